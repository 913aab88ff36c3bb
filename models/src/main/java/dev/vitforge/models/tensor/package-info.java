/**
 * Typed, immutable int8/uint8/int32/float32 arrays and their NumPy {@code .npy} files. This
 * package's one job is to move model tensors between disk and memory without ever guessing:
 * {@link dev.vitforge.models.tensor.Npy} accepts exactly the little-endian, C-order dtypes the
 * hardware consumes and rejects everything else with a one-line
 * {@link dev.vitforge.models.tensor.TensorFormatException} naming the file and the problem, and
 * it writes files atomically so a crash never leaves a half-written tensor behind.
 */
package dev.vitforge.models.tensor;
