/** The host side of vitforge: devices, streaming and reports (later issues), and the CLI. */
package dev.vitforge.host;
