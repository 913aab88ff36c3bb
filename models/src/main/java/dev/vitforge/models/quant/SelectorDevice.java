package dev.vitforge.models.quant;

/**
 * Where a whole selector step runs: {@link IntegerSelector#step} on n patch rows, the package token and
 * its weight. The forward pass and {@code ./vitforge select} hand each step to one; the host's devices
 * run it on the fused selector's RTL or on the selector unit and the GEMM engine, and count its cycles.
 */
@FunctionalInterface
public interface SelectorDevice {
    IntegerSelector.Step step(IntegerSelector selector, int[][] patches, int[] pkg, long pkgWeight);

    /** The reference in Java: products through {@code exec}, the non-linear kernels on {@code kernels}. */
    static SelectorDevice of(LinearExecutor exec, SelectorKernels kernels) {
        return (sel, patches, pkg, pkgWeight) -> sel.step(patches, pkg, pkgWeight, exec, kernels);
    }
}
