/**
 * Bridges generated Verilog to Java through Verilator: it compiles an {@link
 * dev.vitforge.sim.verilator.RtlSource} into a cached shared library with a small C
 * shim, loads each model in isolation over JNI, and drives it either cycle by cycle
 * ({@code poke}/{@code peek}/{@code step}) or at transaction level on valid/ready
 * streams with seeded random backpressure.
 */
package dev.vitforge.sim.verilator;
