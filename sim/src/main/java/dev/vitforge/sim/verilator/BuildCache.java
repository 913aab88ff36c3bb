package dev.vitforge.sim.verilator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * Content-addressed build directories shared by every JVM on the machine. A build
 * runs in a private temp dir and is published by one atomic rename, so readers
 * never see half a build; a per-key file lock stops two processes doing the work.
 */
final class BuildCache {
    /** Writes a complete build into the given empty workspace or throws. */
    interface Builder {
        void build(Path workspace) throws IOException;
    }

    /** A published build directory; {@code time} covers lock wait plus any build. */
    record Entry(Path dir, boolean hit, Duration time) {}

    // FileChannel.lock is per process, so threads of one JVM queue here first.
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private BuildCache() {}

    /**
     * -Dvitforge.cache, else $VITFORGE_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/vitforge/verilator.
     * The property lets one JVM (a benchmark, a CI job) use its own cache without
     * touching the environment, which Java cannot change for itself.
     */
    static Path root() {
        String property = System.getProperty("vitforge.cache");
        if (property != null && !property.isBlank()) return Path.of(property);
        String explicit = System.getenv("VITFORGE_CACHE");
        if (explicit != null && !explicit.isBlank()) return Path.of(explicit);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("vitforge").resolve("verilator");
    }

    static Entry obtain(Path root, String key, Builder builder) {
        long t0 = System.nanoTime();
        Path dir = root.resolve(key);
        if (Files.isDirectory(dir)) return new Entry(dir, true, Duration.ofNanos(System.nanoTime() - t0));
        ReentrantLock local = LOCAL.computeIfAbsent(dir.toAbsolutePath(), k -> new ReentrantLock());
        local.lock();
        try {
            Files.createDirectories(root.resolve("locks"));
            Path lockFile = root.resolve("locks").resolve(key + ".lock");
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                if (Files.isDirectory(dir)) return new Entry(dir, true, Duration.ofNanos(System.nanoTime() - t0));
                String prefix = "tmp-" + key.substring(0, 12) + "-";
                removeStale(root, prefix);
                Path work = Files.createTempDirectory(root, prefix);
                builder.build(work);
                Files.move(work, dir, StandardCopyOption.ATOMIC_MOVE);
                return new Entry(dir, false, Duration.ofNanos(System.nanoTime() - t0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cache entry " + dir, e);
        } finally {
            local.unlock();
        }
    }

    /**
     * Failed builds keep their workspace for the error message to point at; holding the
     * key's lock, we know no live build uses older ones, so only the latest survives.
     */
    private static void removeStale(Path root, String prefix) throws IOException {
        try (Stream<Path> old = Files.list(root)) {
            for (Path dir : (Iterable<Path>) old.filter(p -> p.getFileName().toString().startsWith(prefix))::iterator) {
                try (Stream<Path> tree = Files.walk(dir)) {
                    for (Path f : (Iterable<Path>) tree.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(f);
                }
            }
        }
    }

    /** Length-prefixed SHA-256 so ("ab","c") and ("a","bc") hash differently. */
    static final class Hasher {
        private final MessageDigest md;

        Hasher() {
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        Hasher add(String s) {
            return add(s.getBytes(StandardCharsets.UTF_8));
        }

        Hasher add(byte[] b) {
            long n = b.length;
            for (int i = 0; i < 8; i++) md.update((byte) (n >>> (8 * i)));
            md.update(b);
            return this;
        }

        String hex() {
            return HexFormat.of().formatHex(md.digest());
        }
    }
}
