/**
 * The testbench kit: an AXI4-Lite master driven cycle by cycle, stream drivers and monitors
 * with seeded random backpressure (running inside the native model, where it costs nothing per
 * cycle in Java), a scoreboard that compares against a reference model, seeds that every
 * failing test prints along with the command that replays it, and timed runs (input beats queued
 * on the cycle a producer hands them over, every output handshake's cycle recorded) for timing
 * chains of units against each other.
 */
package dev.vitforge.sim.tb;
