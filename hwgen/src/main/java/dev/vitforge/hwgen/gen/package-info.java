/**
 * Hardware generators: Java functions from parameters (and, for the engines, a hardware plan)
 * to checked IR modules. Each generator has a bit- and cycle-level reference model beside it
 * ({@code *Model}) that the simulation tests hold the RTL to. Streams follow AXI4-Stream
 * naming ({@code <name>_tvalid/_tready/_tdata/_tlast}); the simulator finds them by name.
 */
package dev.vitforge.hwgen.gen;
