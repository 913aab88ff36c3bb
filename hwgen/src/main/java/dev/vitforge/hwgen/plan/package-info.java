/**
 * The hardware plan: from the layers an engine must run (their shapes and block masks) and a
 * board profile, every size of the hardware, each beside the statistic that chose it, and the
 * cycles the analytic model predicts. Board profiles are the JSON files of {@code constraints/}.
 */
package dev.vitforge.hwgen.plan;
