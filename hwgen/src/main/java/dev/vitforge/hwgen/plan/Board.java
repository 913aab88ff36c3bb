package dev.vitforge.hwgen.plan;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/** A board profile from {@code constraints/<name>.json}. Invariant: every budget is positive (URAM may be 0). */
public record Board(String name, String description, String part, int clockMhz, int dsp, int bram36, int uram,
                    int lut, int ff, double memoryGbps, String memory, String hostInterface) {

    public static final List<String> KNOWN = List.of("zcu102", "zcu104", "kv260", "u50");
    public static final String DEFAULT = "zcu102";

    private static final Gson GSON = new GsonBuilder()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create();

    public Board {
        if (clockMhz <= 0 || dsp <= 0 || bram36 <= 0 || uram < 0 || lut <= 0 || ff <= 0 || memoryGbps <= 0) {
            throw new IllegalArgumentException("board '" + name + "': clock, DSP, BRAM, LUT, FF and memory "
                    + "bandwidth must be positive");
        }
    }

    /** The budgets left after {@code used} (each at least 1): what a second block on the device may plan with. */
    public Board reserve(ResourceEstimate used) {
        return new Board(name, description, part, clockMhz, Math.max(1, dsp - used.dsp()),
                Math.max(1, bram36 - used.bram36()), uram, (int) Math.max(1, lut - used.lut()),
                (int) Math.max(1, ff - used.ff()), memoryGbps, memory, hostInterface);
    }

    /** Loads a packaged profile; an unknown name lists the known ones. */
    public static Board named(String name) {
        if (!KNOWN.contains(name)) {
            throw new IllegalArgumentException("unknown board '" + name + "'; known boards: " + String.join(", ", KNOWN));
        }
        try (InputStream in = Board.class.getResourceAsStream("boards/" + name + ".json")) {
            if (in == null) {
                throw new IllegalStateException("board profile " + name + ".json is missing from the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name + ".json");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read board profile " + name + ".json: " + e.getMessage(), e);
        }
    }

    /** Parses a profile strictly: unknown or missing fields are errors naming the file. */
    public static Board parse(String json, String file) {
        Set<String> fields = Arrays.stream(Board.class.getRecordComponents()).map(RecordComponent::getName)
                .map(Board::snake).collect(Collectors.toSet());
        try {
            JsonObject object = JsonParser.parseString(json).getAsJsonObject();
            for (String key : object.keySet()) {
                if (!fields.contains(key)) {
                    throw new IllegalArgumentException(file + ": unknown field '" + key + "'");
                }
            }
            for (String field : fields) {
                if (!object.has(field)) {
                    throw new IllegalArgumentException(file + ": missing field '" + field + "'");
                }
            }
            return GSON.fromJson(object, Board.class);
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(file + ": not a board profile: " + e.getMessage());
        }
    }

    /** Bytes the memory delivers per clock cycle at the target clock. */
    public double memoryBytesPerCycle() {
        return memoryGbps * 1e9 / (clockMhz * 1e6);
    }

    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase();
    }
}
