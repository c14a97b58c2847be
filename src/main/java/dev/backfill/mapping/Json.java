package dev.backfill.mapping;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * The one JSON configuration: decimals stay exact (1.50 stays 1.50), numbers are written plainly,
 * and one set of limits for every JSON value the tool reads or writes (see {@link #MAX_DEPTH}).
 */
public final class Json {
    // Deprecated since Jackson 2.15 in favour of a mapper feature that only acts when reading; the nodes this
    // tool builds itself must keep 1.50 as 1.50 too (row hashes and COPY text depend on it).
    @SuppressWarnings("deprecation")
    public static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

    /**
     * The deepest JSON this tool reads or writes: arrays and objects inside each other, {@code [[1]]}
     * being 2 levels. Jackson's own default, pinned here so that reading and writing agree: a value
     * that was read can always be written again, and a deeper one is a finding, never a failure.
     */
    public static final int MAX_DEPTH = 1000;
    /** The longest number (in digits) read from JSON text; Jackson's default, pinned. */
    public static final int MAX_NUMBER_LENGTH = 1000;
    /** The longest string (in characters) read from JSON text; Jackson's default, pinned. */
    public static final int MAX_STRING_LENGTH = 20_000_000;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                    .maxNumberLength(MAX_NUMBER_LENGTH).maxStringLength(MAX_STRING_LENGTH).build())
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    public static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            // '{"a":1} junk' is not JSON: never keep the first value and drop the rest silently
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .nodeFactory(NODES)
            .build();

    private Json() {}

    public static JsonNode parse(String text) throws JsonProcessingException {
        return MAPPER.readTree(text);
    }

    /** Why JSON text went beyond one of the limits above, in words a DBA can act on. */
    public static String limitProblem(StreamConstraintsException e) {
        String detail = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (detail.contains("nesting depth")) {
            return "is nested deeper than " + MAX_DEPTH + " levels (arrays and objects inside each other), the limit of this tool";
        }
        if (detail.contains("Number value length") || detail.contains("number value length")) {
            return "holds a number longer than " + MAX_NUMBER_LENGTH + " digits, the limit of this tool";
        }
        if (detail.contains("String value length") || detail.contains("string value length")) {
            return "holds a string longer than " + MAX_STRING_LENGTH + " characters, the limit of this tool";
        }
        int cut = detail.indexOf(" (from");
        return "goes beyond a limit of this tool: " + (cut > 0 ? detail.substring(0, cut) : detail);
    }

    /** Compact JSON text. */
    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

}
