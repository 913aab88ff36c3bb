package dev.vitforge.host.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./vitforge}. */
@Command(name = "vitforge", mixinStandardHelpOptions = true, version = "vitforge 0.1.0",
        description = "Pruned Vision Transformers to verified FPGA hardware.",
        subcommands = {GemmCommand.class, SelectCommand.class, PlanCommand.class, GenerateCommand.class, RunCommand.class, PruneCommand.class, DemoCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line; returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            commandLine.getErr().println("vitforge " + commandLine.getCommandName() + ": " + message);
            return 1;
        });
        cli.setParameterExceptionHandler((e, commandArgs) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println("vitforge " + c.getCommandName() + ": " + e.getMessage() + " (see --help)");
            return 2;
        });
        return cli.execute(args);
    }
}
