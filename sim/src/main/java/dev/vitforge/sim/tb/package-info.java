/**
 * The testbench kit: an AXI4-Lite master driven cycle by cycle, stream drivers and monitors
 * with seeded random backpressure (running inside the native model, where it costs nothing per
 * cycle in Java), a scoreboard that compares against a reference model, and seeds that every
 * failing test prints along with the command that replays it.
 */
package dev.vitforge.sim.tb;
