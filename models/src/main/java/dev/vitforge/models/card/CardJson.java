package dev.vitforge.models.card;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.vitforge.models.tensor.TensorFormatException;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Strict JSON for cards: Gson's tree parser is lenient and silently keeps the last of duplicate
 * keys, so cards are parsed here with a strict reader that rejects both, and fields are read
 * through {@link Obj}, which turns every missing, extra or mistyped field into a one-line error.
 */
final class CardJson {

    private CardJson() {
    }

    /** Parses one strict JSON document; numbers are kept as exact {@link BigDecimal}s. */
    static JsonElement parse(String text, String source) {
        if (text.isBlank()) {
            throw new TensorFormatException(source, "empty file, expected a JSON object");
        }
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement root = read(reader, source);
            if (reader.peek() != JsonToken.END_DOCUMENT) {
                throw new TensorFormatException(source, "not well-formed JSON: unexpected data after the top-level value"
                        + " at " + location(reader));
            }
            return root;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new TensorFormatException(source, "not well-formed JSON: " + syntaxError(e), e);
        }
    }

    private static JsonElement read(JsonReader reader, String source) throws IOException {
        switch (reader.peek()) {
            case BEGIN_OBJECT: {
                JsonObject o = new JsonObject();
                reader.beginObject();
                while (reader.hasNext()) {
                    String key = reader.nextName();
                    if (o.has(key)) {
                        throw new TensorFormatException(source, "duplicate field '" + key + "' at " + location(reader));
                    }
                    o.add(key, read(reader, source));
                }
                reader.endObject();
                return o;
            }
            case BEGIN_ARRAY: {
                JsonArray a = new JsonArray();
                reader.beginArray();
                while (reader.hasNext()) {
                    a.add(read(reader, source));
                }
                reader.endArray();
                return a;
            }
            case STRING:
                return new JsonPrimitive(reader.nextString());
            case NUMBER:
                return new JsonPrimitive(new BigDecimal(reader.nextString()));
            case BOOLEAN:
                return new JsonPrimitive(reader.nextBoolean());
            case NULL:
                reader.nextNull();
                return JsonNull.INSTANCE;
            default:
                throw new TensorFormatException(source, "not well-formed JSON: unexpected " + reader.peek() + " at "
                        + location(reader));
        }
    }

    private static String location(JsonReader reader) {
        String s = reader.toString(); // "JsonReader at line 3 column 5 path $.a"
        int at = s.indexOf(" at ");
        return at < 0 ? s : s.substring(at + 4);
    }

    static String firstLine(String s) {
        if (s == null) {
            return "malformed";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * Gson's syntax messages advise relaxing the reader's strictness, which a card's author cannot
     * do and should not want; keep only where the error is.
     */
    static String syntaxError(Exception e) {
        String msg = firstLine(e.getMessage());
        int advice = msg.indexOf("Use JsonReader.setStrictness");
        if (advice >= 0) {
            int at = msg.indexOf(" at line ", advice);
            return "syntax error" + (at < 0 ? "" : msg.substring(at));
        }
        return msg;
    }

    /** A short spelling of a JSON value for messages, e.g. {@code "192"} or {@code [1, 2]}. */
    static String show(JsonElement e) {
        String s = e.toString();
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }

    /** One JSON object of the card, read field by field; {@code where} names it in messages. */
    static final class Obj {
        private final String source;
        private final String where;
        private final JsonObject object;

        /** Checks up front that every key is one of {@code allowed}: a typo reports itself, not a missing field. */
        Obj(String source, String where, JsonElement element, String... allowed) {
            this.source = source;
            this.where = where;
            if (!element.isJsonObject()) {
                throw fail((where.isEmpty() ? "the card" : where) + " must be a JSON object, got " + show(element));
            }
            this.object = element.getAsJsonObject();
            Set<String> ok = new LinkedHashSet<>(Arrays.asList(allowed));
            for (String key : object.keySet()) {
                if (!ok.contains(key)) {
                    throw fail("unknown field '" + key + "' " + (where.isEmpty() ? "at the top level" : "in " + where)
                            + " (allowed: " + String.join(", ", ok) + ")");
                }
            }
        }

        boolean has(String key) {
            return object.has(key);
        }

        JsonElement get(String key) {
            JsonElement e = object.get(key);
            if (e == null) {
                throw fail("missing field '" + key + "'" + (where.isEmpty() ? "" : " in " + where));
            }
            return e;
        }

        String path(String key) {
            return where.isEmpty() ? key : where + "." + key;
        }

        String string(String key) {
            JsonElement e = get(key);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw fail(path(key) + " must be a string, got " + show(e));
            }
            return e.getAsString();
        }

        int integer(String key) {
            return integer(get(key), path(key));
        }

        int integer(JsonElement e, String what) {
            BigDecimal v = number(e, what, "an integer");
            try {
                return v.intValueExact();
            } catch (ArithmeticException ex) {
                throw fail(what + " must be an integer, got " + show(e));
            }
        }

        double number(String key) {
            return number(get(key), path(key), "a number").doubleValue();
        }

        private BigDecimal number(JsonElement e, String what, String kind) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw fail(what + " must be " + kind + ", got " + show(e));
            }
            return e.getAsBigDecimal();
        }

        Obj object(String key, String... allowed) {
            return new Obj(source, path(key), get(key), allowed);
        }

        JsonArray array(String key) {
            JsonElement e = get(key);
            if (!e.isJsonArray()) {
                throw fail(path(key) + " must be an array, got " + show(e));
            }
            return e.getAsJsonArray();
        }

        TensorFormatException fail(String problem) {
            return new TensorFormatException(source, problem);
        }
    }
}
