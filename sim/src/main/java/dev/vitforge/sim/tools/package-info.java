/**
 * The open EDA tools run as processes on emitted designs: Verilator lint, Icarus Verilog (the
 * second simulator every design must agree with) and Yosys synthesis estimates. A missing tool
 * fails with one message that says how to install it, never with a skipped test.
 */
package dev.vitforge.sim.tools;
