/**
 * Assembling modules: {@link dev.vitforge.hwgen.build.ModuleBuilder} is the one mutable object
 * of the HDL flow; {@code build()} runs the elaboration checks of
 * {@link dev.vitforge.hwgen.build.Checks} (width and signedness mismatch, undriven signal,
 * multiple drivers, combinational loop, latch, unused input) and only then freezes into the
 * IR. A design that fails a check can never reach the emitter.
 */
package dev.vitforge.hwgen.build;
