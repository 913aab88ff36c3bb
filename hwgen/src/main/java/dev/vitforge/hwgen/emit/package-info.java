/**
 * Printing frozen IR as Verilog-2005 that Verilator ({@code --lint-only -Wall}), Icarus
 * ({@code -g2012}) and Yosys ({@code synth_xilinx}) accept without a warning. Every net is
 * declared unsigned and every operator is printed with explicitly extended operands, so the
 * IR's signedness and widths decide the arithmetic, never Verilog's context-width rules.
 * Same design in, same bytes out.
 */
package dev.vitforge.hwgen.emit;
