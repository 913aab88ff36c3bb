/**
 * The {@code ./vitforge} command line (picocli). Every command turns bad input into one line on
 * stderr naming the file and the problem and a non-zero exit, never a stack trace, and writes
 * its outputs only after everything they depend on succeeded.
 */
package dev.vitforge.host.cli;
