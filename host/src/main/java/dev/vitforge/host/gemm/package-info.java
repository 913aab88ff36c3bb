/**
 * Running one block-sparse GEMM on a device: packing X and the pruned W into the engine's
 * stream formats (zero blocks are never packed), driving the control registers, and
 * unpacking Y. The {@code sim} device runs the generated engine on Verilator and reads its
 * cycle counters; the {@code cpu} device runs the reference in {@code models}.
 */
package dev.vitforge.host.gemm;
