package dev.backfill.source;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.backfill.mapping.Json;
import dev.backfill.mapping.StoredText;
import dev.backfill.mapping.Unreadable;
import dev.backfill.plan.FieldPath;
import dev.backfill.plan.SourceSpec;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads a JSON-lines file such as a {@code mongoexport}: one document (a JSON object) per line,
 * blank lines ignored, a trailing {@code \r} of a line ignored. The whole file is one collection; an
 * entity's {@code document: NAME} is only its label. The file is only ever opened for reading.
 *
 * <p><b>Extended JSON</b> is normalized recursively before anything looks at a document:
 * {@code {"$oid": h}} becomes the hex text {@code h}; {@code {"$date": "ISO"}} the text as it is;
 * {@code {"$date": {"$numberLong": "ms"}}} and {@code {"$date": ms}} the ISO-8601 UTC text of those
 * milliseconds; {@code $numberLong} and {@code $numberInt} an integer; {@code $numberDouble} and
 * {@code $numberDecimal} a decimal number ({@code NaN}, {@code Infinity} and {@code -Infinity} stay
 * text). A malformed {@code $date} (e.g. {@code {"$date": "not a date"}}) becomes its raw text, so the
 * mapping reports it as an invalid value instead of the read failing. Other {@code $}-objects
 * ({@code $binary}, {@code $timestamp}, ...) are left as they are.
 *
 * <p><b>Users.</b> The partition is a path ({@code userId}, {@code owner.id}, {@code tags[0]})
 * evaluated on the normalized document, so {@code userId: {"$oid": ...}} is the hex text. Because
 * an {@code $oid} or {@code $date} wrapper is already gone, a trailing {@code .$oid} / {@code .$date}
 * segment in the path is accepted and ignored ({@code owner.$oid} reads the same as {@code owner}).
 *
 * <p><b>Memory</b> is bounded by the users, not the file's bytes: the first use of a partition builds,
 * in one streaming pass, an index from user key (code point order) to the offset and length of each
 * of that user's lines, about 12 bytes per line plus roughly 150 bytes and the key per user. Reading
 * a chunk of users then seeks to just their lines. An index is kept per partition path for the life
 * of the reader; if the file changes meanwhile (size or modification time), reading fails rather
 * than return wrong lines. A user's rows come in file order, or by the stream's {@code order_by}
 * paths (ties in file order). The digest of a row is its exact line bytes.
 *
 * <p><b>Lines that cannot be read</b> (not JSON, not a JSON object, not valid UTF-8, or beyond the
 * {@link Json} limits such as nesting deeper than {@value Json#MAX_DEPTH} levels) do not stop the run
 * and are never migrated. Each stands in the rows as an {@link Unreadable} record naming the line (N
 * counts every line from 1, blank ones too), the cause and the first {@value #TEXT_SHOWN} characters.
 * Its user is found by reading the line only up to the partition field, so a line broken after its
 * {@code userId} is that user's finding; a line whose user cannot be told is returned by
 * {@link #rowsWithoutUser}, in file order among the documents without a user. So is a document whose
 * user key PostgreSQL could not store (a NUL character in it).
 *
 * <p>There is no SQL here: {@link #scalar} is not supported.
 */
public final class JsonLinesSource implements SourceReader {
    /** Characters of an unparsable line shown in its report. */
    static final int TEXT_SHOWN = 200;
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

    private final Path file;
    private final String description;
    private final FileChannel channel;
    private final long size;
    private final FileTime modified;
    private final Map<String, Index> indexes = new HashMap<>();

    /**
     * Reads as far as a broken line allows, to find its user: no limits, since nothing is kept but the
     * partition value, and the line is reported as unreadable whatever is found.
     */
    private static final JsonFactory UNLIMITED = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Integer.MAX_VALUE)
                    .maxNumberLength(Integer.MAX_VALUE).maxStringLength(Integer.MAX_VALUE).build())
            .build();
    /** Reads one value out of a line that is broken further on: what follows it is not looked at. */
    private static final ObjectReader PARTIAL = Json.MAPPER.readerFor(JsonNode.class)
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public JsonLinesSource(Path file) {
        Sources.requireReadableFile(file, "JSON-lines file", "jsonl");
        this.file = file.toAbsolutePath();
        this.description = "JSON-lines file " + this.file;
        try {
            this.size = Files.size(this.file);
            this.modified = Files.getLastModifiedTime(this.file);
            this.channel = FileChannel.open(this.file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new SourceException("The " + description + " cannot be opened for reading: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ the index

    /** Offsets and lengths of lines, in file order; two growing arrays, no object per line. */
    static final class Lines {
        private long[] offsets = new long[2];
        private int[] lengths = new int[2];
        private long[] numbers;
        private int size;

        void add(long offset, int length) {
            if (size == offsets.length) {
                int grown = size + Math.max(2, size >> 1);
                offsets = Arrays.copyOf(offsets, grown);
                lengths = Arrays.copyOf(lengths, grown);
                if (numbers != null) {
                    numbers = Arrays.copyOf(numbers, grown);
                }
            }
            offsets[size] = offset;
            lengths[size] = length;
            size++;
        }

        /** Adds a line with its line number (kept only for unparsable lines). */
        void add(long offset, int length, long number) {
            if (numbers == null) {
                numbers = new long[offsets.length];
            }
            add(offset, length);
            numbers[size - 1] = number;
        }

        int size() {
            return size;
        }

        long offset(int i) {
            return offsets[i];
        }

        int length(int i) {
            return lengths[i];
        }

        long number(int i) {
            return numbers == null ? 0 : numbers[i];
        }
    }

    /** The users of one partition path, the documents without one, and the lines that are not documents. */
    private static final class Index {
        final TreeMap<String, Lines> users = new TreeMap<>(UserKeys::compare);
        final Lines withoutUser = new Lines();
        final Lines unparsable = new Lines();
    }

    private synchronized Index index(SourceSpec stream) {
        String partition = stream.partition();
        if (partition == null) {
            throw new SourceException("The legacy document " + stream.label() + " in " + description + " has no partition:"
                    + " set the plan's 'partition' or this source's 'partition' to the field naming the user.", null);
        }
        Index known = indexes.get(partition);
        if (known != null) {
            return known;
        }
        FieldPath path = path(stream, partition, "partition");
        Index index = new Index();
        scan((number, offset, bytes, length) -> {
            Parsed parsed = parse(bytes, length);
            if (parsed.document() == null) {
                String user = userOfBrokenLine(bytes, length, path);
                if (user != null && StoredText.problem(user) == null) {
                    index.users.computeIfAbsent(user, k -> new Lines()).add(offset, length, number);
                } else {
                    index.unparsable.add(offset, length, number);
                }
                return;
            }
            String user = key(at(parsed.document(), path));
            if (user == null) {
                index.withoutUser.add(offset, length);
            } else if (StoredText.problem(user) != null) {
                index.unparsable.add(offset, length, number); // a user key the control schema cannot store
            } else {
                index.users.computeIfAbsent(user, k -> new Lines()).add(offset, length);
            }
        });
        indexes.put(partition, index);
        return index;
    }

    private interface LineVisitor {
        void line(long number, long offset, byte[] bytes, int length);
    }

    /** One streaming pass over the file: every non-blank line, its 1-based number, offset and bytes. */
    private void scan(LineVisitor visitor) {
        checkUnchanged();
        byte[] buffer = new byte[1 << 16];
        byte[] line = new byte[1 << 12];
        int lineLength = 0;
        long lineStart = 0;
        long position = 0;
        long number = 0;
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ)) {
            int read;
            while ((read = in.read(buffer)) > 0) {
                int from = 0;
                for (int i = 0; i < read; i++) {
                    if (buffer[i] == '\n') {
                        line = append(line, lineLength, buffer, from, i - from);
                        lineLength += i - from;
                        number++;
                        emit(visitor, number, lineStart, line, lineLength);
                        lineLength = 0;
                        lineStart = position + i + 1;
                        from = i + 1;
                    }
                }
                line = append(line, lineLength, buffer, from, read - from);
                lineLength += read - from;
                position += read;
            }
            if (lineLength > 0) {
                emit(visitor, number + 1, lineStart, line, lineLength);
            }
        } catch (IOException e) {
            throw new SourceException("Reading the " + description + " failed: " + e.getMessage(), e);
        }
        checkUnchanged();
    }

    private static byte[] append(byte[] line, int length, byte[] from, int offset, int count) {
        byte[] target = line;
        if (length + count > target.length) {
            target = Arrays.copyOf(line, Math.max(length + count, target.length * 2));
        }
        System.arraycopy(from, offset, target, length, count);
        return target;
    }

    private static void emit(LineVisitor visitor, long number, long offset, byte[] line, int length) {
        int end = length;
        if (end > 0 && line[end - 1] == '\r') {
            end--;
        }
        for (int i = 0; i < end; i++) {
            byte b = line[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                visitor.line(number, offset, line, end);
                return;
            }
        }
    }

    private void checkUnchanged() {
        try {
            if (Files.size(file) == size && Files.getLastModifiedTime(file).equals(modified)) {
                return;
            }
        } catch (IOException e) {
            throw new SourceException("The " + description + " cannot be read any more: " + e.getMessage(), e);
        }
        throw new SourceException("The " + description + " changed while it was being read (its size or modification time"
                + " differs from when it was opened). Let whatever writes it finish, then start again.", null);
    }

    private byte[] read(long offset, int length) {
        byte[] bytes = new byte[length];
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        try {
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    checkUnchanged();
                    throw new SourceException("The " + description + " ended before the line at byte " + offset, null);
                }
            }
        } catch (IOException e) {
            throw new SourceException("Reading the " + description + " failed at byte " + offset + ": " + e.getMessage(), e);
        }
        return bytes;
    }

    // ------------------------------------------------------------------ reading

    @Override
    public CloseableIterator<String> users(SourceSpec stream) {
        Iterator<String> keys = index(stream).users.keySet().iterator();
        return new CloseableIterator<>() {
            @Override
            public boolean hasNext() {
                return keys.hasNext();
            }

            @Override
            public String next() {
                if (!keys.hasNext()) {
                    throw new NoSuchElementException();
                }
                return keys.next();
            }

            @Override
            public void close() {
                // nothing open: the keys are in the index
            }
        };
    }

    @Override
    public Map<String, UserRows> rows(SourceSpec stream, List<String> users) {
        if (users.isEmpty()) {
            return Map.of();
        }
        Index index = index(stream);
        checkUnchanged();
        List<FieldPath> order = order(stream);
        Map<String, UserRows> out = new LinkedHashMap<>();
        for (String user : new LinkedHashSet<>(users)) {
            Lines lines = index.users.get(user);
            if (lines == null) {
                continue;
            }
            List<Row> rows = new ArrayList<>(lines.size());
            for (int i = 0; i < lines.size(); i++) {
                byte[] bytes = read(lines.offset(i), lines.length(i));
                Parsed parsed = parse(bytes, bytes.length);
                if (parsed.document() == null && lines.number(i) == 0) {
                    checkUnchanged();
                    throw new SourceException("The line at byte " + lines.offset(i) + " of the " + description
                            + " no longer reads as a document: " + parsed.error(), null);
                }
                ObjectNode document = parsed.document() != null ? parsed.document() : unreadable(lines.number(i), bytes, parsed, stream);
                rows.add(new Row(document, bytes, bytes.length));
            }
            out.put(user, digest(rows, order));
        }
        return out;
    }

    @Override
    public UserRows allRows(SourceSpec stream) {
        List<FieldPath> order = order(stream);
        List<Row> rows = new ArrayList<>();
        scan((number, offset, bytes, length) -> {
            byte[] line = Arrays.copyOf(bytes, length);
            Parsed parsed = parse(line, length);
            rows.add(new Row(parsed.document() != null ? parsed.document() : unreadable(number, line, parsed, stream), line, length));
        });
        return digest(rows, order);
    }

    /** Documents without a user and lines that are not documents (see the class comment), in file order. */
    @Override
    public List<ObjectNode> rowsWithoutUser(SourceSpec stream, int limit) {
        Index index = index(stream);
        checkUnchanged();
        List<ObjectNode> out = new ArrayList<>();
        int plain = 0;
        int bad = 0;
        while (out.size() < limit && (plain < index.withoutUser.size() || bad < index.unparsable.size())) {
            boolean takeBad = plain >= index.withoutUser.size()
                    || (bad < index.unparsable.size() && index.unparsable.offset(bad) < index.withoutUser.offset(plain));
            if (takeBad) {
                byte[] bytes = read(index.unparsable.offset(bad), index.unparsable.length(bad));
                out.add(unreadable(index.unparsable.number(bad), bytes, parse(bytes, bytes.length), stream));
                bad++;
            } else {
                byte[] bytes = read(index.withoutUser.offset(plain), index.withoutUser.length(plain));
                Parsed parsed = parse(bytes, bytes.length);
                if (parsed.document() == null) {
                    checkUnchanged();
                    throw new SourceException("The line at byte " + index.withoutUser.offset(plain) + " of the " + description
                            + " no longer reads as a document: " + parsed.error(), null);
                }
                out.add(parsed.document());
                plain++;
            }
        }
        return out;
    }

    /**
     * The record standing for a line that cannot be migrated: the line number, the cause, where in the line
     * (the top-level field), and the start of its text, escaped.
     */
    private static ObjectNode unreadable(long number, byte[] bytes, Parsed parsed, SourceSpec stream) {
        String shown = Utf8.shown(bytes, 0, bytes.length, TEXT_SHOWN);
        String line = "line " + number;
        if (parsed.document() != null) {
            // it is a document, but its user key cannot be stored
            String user = key(at(parsed.document(), FieldPath.parse(stream.partition())));
            return Unreadable.record(line, stream.partition(), line + ": its " + stream.partition() + " '" + StoredText.escape(user)
                    + "' " + StoredText.problem(user) + ", so it cannot name a user", shown);
        }
        return Unreadable.record(line, parsed.field(), line + " " + parsed.error(), shown);
    }

    private record Row(ObjectNode document, byte[] raw, int length) {}

    private static UserRows digest(List<Row> rows, List<FieldPath> order) {
        if (!order.isEmpty()) {
            Comparator<Row> byOrder = (a, b) -> {
                for (FieldPath path : order) {
                    int c = compare(at(a.document(), path), at(b.document(), path));
                    if (c != 0) {
                        return c;
                    }
                }
                return 0;
            };
            rows.sort(byOrder); // stable: ties keep file order
        }
        RowDigest digest = new RowDigest();
        rows.forEach(r -> digest.add(r.document(), r.raw(), 0, r.length()));
        return digest.finish();
    }

    private List<FieldPath> order(SourceSpec stream) {
        List<FieldPath> order = new ArrayList<>();
        for (String text : stream.orderBy()) {
            order.add(path(stream, text, "order_by"));
        }
        return order;
    }

    /** Order of order_by values: missing or null, then booleans, numbers, text (code points), anything else by its JSON. */
    static int compare(JsonNode a, JsonNode b) {
        int ra = rank(a);
        int rb = rank(b);
        if (ra != rb) {
            return Integer.compare(ra, rb);
        }
        return switch (ra) {
            case 0 -> 0;
            case 1 -> Boolean.compare(a.booleanValue(), b.booleanValue());
            case 2 -> a.decimalValue().compareTo(b.decimalValue());
            case 3 -> UserKeys.compare(a.textValue(), b.textValue());
            default -> UserKeys.compare(Json.write(a), Json.write(b));
        };
    }

    private static int rank(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return 0;
        }
        if (node.isBoolean()) {
            return 1;
        }
        if (node.isNumber()) {
            return 2;
        }
        return node.isTextual() ? 3 : 4;
    }

    // ------------------------------------------------------------------ documents

    /**
     * A line read as a normalized document, or why it is not one.
     *
     * @param error what the line is, as the rest of a sentence starting "line N": {@code is not valid JSON: …}
     * @param field the top-level field where reading stopped, "$" for the line as a whole
     */
    record Parsed(ObjectNode document, String error, String field) {
        static Parsed of(ObjectNode document) {
            return new Parsed(document, null, null);
        }
    }

    static Parsed parse(byte[] bytes, int length) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(bytes, 0, length);
        } catch (JsonProcessingException e) {
            return unreadable(bytes, length, e);
        } catch (IOException e) {
            return new Parsed(null, "is not valid JSON: " + e.getMessage(), "$");
        }
        if (node == null || node.isMissingNode()) {
            return new Parsed(null, "is not valid JSON: no value", "$");
        }
        JsonNode normalized = normalize(node);
        if (!(normalized instanceof ObjectNode document)) {
            return new Parsed(null, "is a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT)
                    + ", not a document (a JSON object)", "$");
        }
        return Parsed.of(document);
    }

    /** Why a line did not parse: bytes that are not UTF-8 first (Jackson's words for them are vague), then a limit, then syntax. */
    private static Parsed unreadable(byte[] bytes, int length, JsonProcessingException e) {
        int bad = Utf8.firstInvalid(bytes, 0, length);
        if (bad >= 0) {
            String field = fieldAtFailure(bytes, length);
            return new Parsed(null, Utf8.problem(bytes, 0, length, bad) + (field.equals("$") ? "" : " (in '" + field + "')"), field);
        }
        if (e instanceof StreamConstraintsException limit) {
            String field = fieldAtFailure(bytes, length);
            return new Parsed(null, "has a value" + (field.equals("$") ? "" : " at '" + field + "'") + " that "
                    + Json.limitProblem(limit), field);
        }
        JsonLocation at = e.getLocation();
        String where = at == null || at.getColumnNr() < 1 ? "" : " (at column " + at.getColumnNr() + ")";
        String detail = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        int cut = detail.indexOf('\n');
        return new Parsed(null, "is not valid JSON: " + (cut > 0 ? detail.substring(0, cut) : detail) + where, "$");
    }

    /** The top-level field being read when reading the line failed; "$" outside any field. */
    private static String fieldAtFailure(byte[] bytes, int length) {
        JsonParser parser;
        try {
            parser = Json.MAPPER.createParser(bytes, 0, length);
        } catch (IOException e) {
            return "$";
        }
        try (parser) {
            while (parser.nextToken() != null) {
                // read token by token to the failure, building nothing
            }
            return "$";
        } catch (IOException | RuntimeException e) {
            String name = null;
            for (JsonStreamContext context = parser.getParsingContext(); context != null && !context.inRoot();
                 context = context.getParent()) {
                if (context.getParent() != null && context.getParent().inRoot()) {
                    name = context.getCurrentName();
                }
            }
            return name == null ? "$" : name;
        }
    }

    /**
     * The user of a line that is not a readable document, when the partition field can be read before
     * whatever is wrong with it; null otherwise. Only field names and non-negative indexes are followed.
     */
    static String userOfBrokenLine(byte[] bytes, int length, FieldPath partition) {
        try (JsonParser parser = UNLIMITED.createParser(bytes, 0, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonNode found = seek(parser, partition.segments(), 0);
            return found == null ? null : key(normalize(found));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** With the parser on the start of the container at segment {@code i}: the value the rest of the path names, or null. */
    private static JsonNode seek(JsonParser parser, List<FieldPath.Segment> segments, int i) throws IOException {
        FieldPath.Segment segment = segments.get(i);
        if (segment instanceof FieldPath.Field field && parser.currentToken() == JsonToken.START_OBJECT) {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (name.equals(field.name())) {
                    return valueAt(parser, segments, i, value);
                }
                parser.skipChildren();
            }
        } else if (segment instanceof FieldPath.Index index && index.index() >= 0 && parser.currentToken() == JsonToken.START_ARRAY) {
            int position = 0;
            JsonToken value;
            while ((value = parser.nextToken()) != JsonToken.END_ARRAY && value != null) {
                if (position++ == index.index()) {
                    return valueAt(parser, segments, i, value);
                }
                parser.skipChildren();
            }
        }
        return null;
    }

    private static JsonNode valueAt(JsonParser parser, List<FieldPath.Segment> segments, int i, JsonToken value) throws IOException {
        if (i + 1 == segments.size()) {
            return PARTIAL.readTree(parser);
        }
        return value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY ? seek(parser, segments, i + 1) : null;
    }

    /** Replaces MongoDB extended JSON wrappers, recursively (see the class comment); returns the replacement. */
    static JsonNode normalize(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.size() == 1) {
                Map.Entry<String, JsonNode> only = object.properties().iterator().next();
                if (only.getKey().startsWith("$")) {
                    JsonNode unwrapped = unwrap(only.getKey(), only.getValue());
                    if (unwrapped != null) {
                        return unwrapped;
                    }
                }
            }
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                JsonNode value = normalize(field.getValue());
                if (value != field.getValue()) {
                    field.setValue(value);
                }
            }
            return object;
        }
        if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode value = normalize(array.get(i));
                if (value != array.get(i)) {
                    array.set(i, value);
                }
            }
            return array;
        }
        return node;
    }

    /** The value of a one-key extended JSON wrapper, or null to leave the object as it is. */
    private static JsonNode unwrap(String name, JsonNode value) {
        switch (name) {
            case "$oid":
                return value.isTextual() ? value : null;
            case "$date":
                return date(value);
            case "$numberLong":
                if (value.isTextual() && INTEGER.matcher(value.textValue().strip()).matches()) {
                    try {
                        return Json.NODES.numberNode(Long.parseLong(value.textValue().strip()));
                    } catch (NumberFormatException outOfRange) {
                        return null;
                    }
                }
                return null;
            case "$numberInt":
                if (value.isTextual() && INTEGER.matcher(value.textValue().strip()).matches()) {
                    try {
                        return Json.NODES.numberNode(Integer.parseInt(value.textValue().strip()));
                    } catch (NumberFormatException outOfRange) {
                        return null;
                    }
                }
                return null;
            case "$numberDouble":
            case "$numberDecimal":
                return decimal(value);
            default:
                return null;
        }
    }

    private static JsonNode decimal(JsonNode value) {
        if (!value.isTextual()) {
            return null;
        }
        String text = value.textValue().strip();
        switch (text) {
            case "NaN", "-NaN", "Infinity", "+Infinity", "-Infinity", "Inf", "-Inf" -> {
                return value;
            }
            default -> {
                try {
                    return Json.NODES.numberNode(new BigDecimal(text));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
    }

    /** An ISO text as it is; milliseconds as ISO-8601 UTC; anything malformed as its raw text. */
    private static JsonNode date(JsonNode value) {
        if (value.isTextual()) {
            return value;
        }
        if (value.isObject() && value.size() == 1 && value.has("$numberLong")) {
            JsonNode ms = value.get("$numberLong");
            String raw = ms.isTextual() ? ms.textValue() : ms.asText();
            try {
                return Json.NODES.textNode(iso(Long.parseLong(raw.strip())));
            } catch (NumberFormatException e) {
                return Json.NODES.textNode(raw);
            }
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return Json.NODES.textNode(iso(value.longValue()));
        }
        if (value.isNumber()) {
            BigDecimal ms = value.decimalValue();
            try {
                return Json.NODES.textNode(iso(ms.longValueExact()));
            } catch (ArithmeticException notWholeMilliseconds) {
                return Json.NODES.textNode(ms.toPlainString());
            }
        }
        return Json.NODES.textNode(value.isValueNode() ? value.asText() : Json.write(value));
    }

    private static String iso(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    /** Walks fields and indexes of a path; null when it leads nowhere. */
    static JsonNode at(JsonNode document, FieldPath path) {
        JsonNode node = document;
        List<FieldPath.Segment> segments = path.segments();
        for (int i = 0; i < segments.size(); i++) {
            FieldPath.Segment segment = segments.get(i);
            if (node == null || node.isMissingNode() || node.isNull()) {
                return null;
            }
            if (segment instanceof FieldPath.Field field) {
                if (node.isObject()) {
                    node = node.get(field.name());
                } else if (!(field.name().startsWith("$") && node.isValueNode())) {
                    return null; // a '$oid' or '$date' after a value that was already unwrapped: that value
                }
            } else if (segment instanceof FieldPath.Index index) {
                if (!node.isArray()) {
                    return null;
                }
                int position = index.index() < 0 ? node.size() + index.index() : index.index();
                node = position < 0 ? null : node.get(position);
            } else if (!(segment instanceof FieldPath.Row && i == 0)) {
                return null;
            }
        }
        return node;
    }

    /** The user key of a partition value: null when missing, null or empty. */
    static String key(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return null;
        }
        String text;
        if (value.isTextual()) {
            text = value.textValue();
        } else if (value.isBigDecimal()) {
            text = value.decimalValue().toPlainString();
        } else if (value.isValueNode()) {
            text = value.asText();
        } else {
            text = Json.write(value);
        }
        return text.isEmpty() ? null : text;
    }

    private FieldPath path(SourceSpec stream, String text, String planKey) {
        FieldPath path;
        try {
            path = FieldPath.parse(text);
        } catch (IllegalArgumentException e) {
            throw new SourceException("The " + planKey + " of document " + stream.label() + " is not a path: " + e.getMessage(), e);
        }
        for (int i = 0; i < path.segments().size(); i++) {
            FieldPath.Segment segment = path.segments().get(i);
            boolean simple = segment instanceof FieldPath.Field || segment instanceof FieldPath.Index
                    || (segment instanceof FieldPath.Row && i == 0);
            if (!simple) {
                throw new SourceException("The " + planKey + " '" + text + "' of document " + stream.label()
                        + " must lead to one value: use field names and [n] indexes, not [*] or $parent.", null);
            }
        }
        return path;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // a file opened for reading: nothing to lose
        }
    }
}
