package dev.vitforge.models.tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed dict of an {@code .npy} header; its dtype is always supported and its shape always fits one array.
 *
 * <p>The header is a Python literal; rather than evaluate it we parse the small subset NumPy
 * writes (strings, {@code True}/{@code False}, tuples of ints) and reject anything else, so a
 * structured dtype or a hand-edited header fails here with a clear message instead of later.
 */
record NpyHeader(DType dtype, int[] shape) {

    private static final String SUPPORTED =
            "supported: |i1 (int8), |u1 (uint8), <i4 (int32), <f4 (float32), |b1 (bool, read as uint8)";

    /** Parses header text; {@code file} only names the source in errors. */
    static NpyHeader parse(String text, String file) {
        Map<String, Object> dict = new Parser(text, file).dict();
        for (String key : dict.keySet()) {
            if (!key.equals("descr") && !key.equals("fortran_order") && !key.equals("shape")) {
                throw error(file, "malformed header: unexpected key '" + key + "'");
            }
        }
        Object descr = require(dict, "descr", String.class, file);
        Object fortran = require(dict, "fortran_order", Boolean.class, file);
        Object shape = require(dict, "shape", long[].class, file);
        if ((Boolean) fortran) {
            throw error(file, "fortran_order arrays are not supported; save with np.ascontiguousarray");
        }
        return new NpyHeader(dtype((String) descr, file), shape((long[]) shape, file));
    }

    /** The dict exactly as {@code numpy.save} spells it (keys sorted, trailing ", "), without padding. */
    static String format(DType dtype, int[] shape) {
        return "{'descr': '" + dtype.descr() + "', 'fortran_order': False, 'shape': " + Shapes.format(shape) + ", }";
    }

    private static DType dtype(String descr, String file) {
        // One-byte types have no byte order, so NumPy may spell them with any order character.
        if (descr.length() == 3 && "|<>=".indexOf(descr.charAt(0)) >= 0) {
            switch (descr.substring(1)) {
                case "i1": return DType.INT8;
                case "u1": case "b1": return DType.UINT8;
                default: break;
            }
        }
        switch (descr) {
            case "<i4": return DType.INT32;
            case "<f4": return DType.FLOAT32;
            default: break;
        }
        if (descr.startsWith(">")) {
            throw error(file, "big-endian dtype '" + descr + "' is not supported; save with arr.astype('<"
                    + descr.substring(1) + "')");
        }
        throw error(file, "unsupported dtype '" + descr + "'; " + SUPPORTED);
    }

    private static int[] shape(long[] dims, String file) {
        int[] shape = new int[dims.length];
        long size = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw error(file, "negative dimension in shape " + spell(dims));
            }
            if (dims[i] > Integer.MAX_VALUE) {
                throw error(file, "shape " + spell(dims) + " is too large for one array");
            }
            shape[i] = (int) dims[i];
            // Capped just above the limit so the product never overflows; a later 0 still makes it 0.
            size = Math.min(size * dims[i], Shapes.MAX_ELEMENTS + 1);
        }
        if (size > Shapes.MAX_ELEMENTS) {
            throw error(file, "shape " + spell(dims) + " is too large for one array");
        }
        return shape;
    }

    private static String spell(long[] dims) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        return sb.append(dims.length == 1 ? ",)" : ")").toString();
    }

    private static Object require(Map<String, Object> dict, String key, Class<?> type, String file) {
        Object v = dict.get(key);
        if (v == null) {
            throw error(file, "malformed header: missing key '" + key + "'");
        }
        if (!type.isInstance(v)) {
            throw error(file, "malformed header: '" + key + "' has the wrong type");
        }
        return v;
    }

    static TensorFormatException error(String file, String problem) {
        return new TensorFormatException(file, problem);
    }

    /** Recursive-descent parser for the dict literal; values are String, Boolean or long[] (a tuple). */
    private static final class Parser {
        private final String s;
        private final String file;
        private int pos;

        Parser(String s, String file) {
            this.s = s;
            this.file = file;
        }

        Map<String, Object> dict() {
            Map<String, Object> dict = new LinkedHashMap<>();
            expect('{');
            while (true) {
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    break;
                }
                String key = string();
                skipSpace();
                expect(':');
                if (dict.put(key, value()) != null) {
                    throw fail("duplicate key '" + key + "'");
                }
                skipSpace();
                char c = next();
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw fail("expected ',' or '}' at offset " + (pos - 1));
                }
            }
            skipSpace();
            if (pos != s.length()) {
                throw fail("unexpected text after the dict at offset " + pos);
            }
            return dict;
        }

        private Object value() {
            skipSpace();
            char c = peek();
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '(') {
                return tuple();
            }
            if (c == '[') {
                throw new TensorFormatException(file, "structured dtypes are not supported; " + SUPPORTED);
            }
            if (s.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            throw fail("unexpected value at offset " + pos);
        }

        private long[] tuple() {
            expect('(');
            List<Long> dims = new ArrayList<>();
            while (true) {
                skipSpace();
                if (peek() == ')') {
                    pos++;
                    break;
                }
                dims.add(integer());
                skipSpace();
                char c = next();
                if (c == ')') {
                    break;
                }
                if (c != ',') {
                    throw fail("expected ',' or ')' in shape at offset " + (pos - 1));
                }
            }
            return dims.stream().mapToLong(Long::longValue).toArray();
        }

        private long integer() {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
            String digits = s.substring(start, pos);
            if (pos < s.length() && s.charAt(pos) == 'L') {
                pos++; // Python 2 era files spell dimensions as 3L.
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                if (digits.matches("-?[0-9]+")) {
                    throw new TensorFormatException(file, "shape dimension " + digits + " is too large for one array");
                }
                throw fail("expected an integer in shape at offset " + start);
            }
        }

        private String string() {
            char quote = next();
            if (quote != '\'' && quote != '"') {
                throw fail("expected a quoted key at offset " + (pos - 1));
            }
            int end = s.indexOf(quote, pos);
            if (end < 0) {
                throw fail("unterminated string at offset " + (pos - 1));
            }
            String v = s.substring(pos, end);
            pos = end + 1;
            return v;
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private void expect(char c) {
            skipSpace();
            if (next() != c) {
                throw fail("expected '" + c + "' at offset " + (pos - 1));
            }
        }

        private char peek() {
            if (pos >= s.length()) {
                throw fail("header ends before the dict is closed");
            }
            return s.charAt(pos);
        }

        private char next() {
            char c = peek();
            pos++;
            return c;
        }

        private TensorFormatException fail(String problem) {
            return new TensorFormatException(file, "malformed header: " + problem);
        }
    }
}
