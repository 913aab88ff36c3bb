/**
 * The frozen hardware IR: records and sealed interfaces that describe modules, signals and
 * expressions. Every expression knows its width and signedness from the moment it is made
 * (Amaranth's rule: {@code +} gives max+1 bits, {@code *} the sum of the widths), so no later
 * pass infers widths. Nothing here is mutable; {@link dev.vitforge.hwgen.build.ModuleBuilder}
 * is the one place a module is assembled, and it freezes into these records only after the
 * elaboration checks pass.
 */
package dev.vitforge.hwgen.ir;
