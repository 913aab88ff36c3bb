package dev.vitforge.host.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.gson.GsonBuilder;

import dev.vitforge.models.tensor.AtomicFile;

/** JSON outputs, written like every other output ({@link AtomicFile}), and removing a file quietly. */
final class AtomicFiles {
    private AtomicFiles() {}

    static void writeJson(Path target, Object value) {
        write(target, json(value));
    }

    static String json(Object value) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(value) + "\n";
    }

    static void write(Path target, String text) {
        AtomicFile.write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: nothing more can be done about a file that cannot be removed
        }
    }
}
