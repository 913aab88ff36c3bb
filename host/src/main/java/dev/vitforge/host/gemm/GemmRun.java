package dev.vitforge.host.gemm;

import dev.vitforge.models.tensor.Int32Tensor;

/**
 * One GEMM as a device ran it: the result and, for the simulated engine, its counters
 * (cycles is the engine's busy_cycles register; 0 on the cpu device) beside the analytic
 * model's prediction for the same run.
 */
public record GemmRun(Int32Tensor y, long cycles, long predictedCycles, long stallInCycles, long stallOutCycles,
                      long blocksComputed, int multipliers, long bytesToDevice, long bytesFromDevice) {}
