package dev.vitforge.host.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import com.google.gson.GsonBuilder;

/** Writes a file through a temporary sibling and a rename, so a reader never sees half of it. */
final class AtomicFiles {
    private AtomicFiles() {}

    static void writeJson(Path target, Object value) {
        write(target, new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(value) + "\n");
    }

    static void write(Path target, String text) {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = null;
        try {
            Files.createDirectories(dir);
            temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write: " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                deleteQuietly(temp);
            }
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: nothing more can be done about a file that cannot be removed
        }
    }
}
