package dev.backfill.plan;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/** Reads and validates a plan file. Nothing here connects to a database. */
public final class PlanLoader {

    private PlanLoader() {}

    public static Plan load(Path file) throws IOException, InvalidPlanException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Path base = file.toAbsolutePath().getParent();
        return parse(text, file.getFileName().toString(), base);
    }

    /** An unquoted ${VAR} inside { } or [ ] breaks YAML in a way its own message does not explain. */
    private static String referenceHint(String text, int line) {
        String[] lines = text.split("\\R", -1);
        boolean nearReference = false;
        for (int i = Math.max(0, line - 2); i < Math.min(lines.length, line); i++) {
            nearReference |= lines[i].contains("${");
        }
        return nearReference ? "; a ${VAR} reference inside { } or [ ] must be quoted, e.g. password: '${APP_PW}'" : "";
    }

    public static Plan parse(String text, String fileName, Path baseDir) throws InvalidPlanException {
        List<PlanError> errors = new ArrayList<>();
        Location root = new Location(fileName, 1, 1, "");
        Node node;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(20);
            node = new Yaml(new SafeConstructor(options), new org.yaml.snakeyaml.representer.Representer(
                    new org.yaml.snakeyaml.DumperOptions()), new org.yaml.snakeyaml.DumperOptions(), options)
                    .compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            int line = mark == null ? 0 : mark.getLine() + 1;
            int column = mark == null ? 0 : mark.getColumn() + 1;
            throw new InvalidPlanException(List.of(new PlanError(new Location(fileName, line, column, ""),
                    "not valid YAML: " + e.getProblem() + (e.getContext() == null ? "" : " (" + e.getContext() + ")")
                            + referenceHint(text, line))));
        } catch (YAMLException e) {
            throw new InvalidPlanException(List.of(new PlanError(root, "not valid YAML: " + e.getMessage())));
        }
        if (node == null) {
            throw new InvalidPlanException(List.of(new PlanError(root, "the plan file is empty")));
        }
        PlanReader.Draft draft = new PlanReader(errors, baseDir).read(node, root);
        if (draft == null) {
            throw new InvalidPlanException(errors);
        }
        List<Entity> ordered = new PlanValidator(errors).validate(draft);
        if (!errors.isEmpty()) {
            throw new InvalidPlanException(errors);
        }
        return new Plan(draft.name(), draft.description() == null ? "" : draft.description(), fileName,
                sha256(text), draft.source(), draft.target(), draft.controlSchema(), draft.partition(),
                draft.batchUsers(), draft.retry(), ordered, draft.skipped(), draft.checks());
    }

    static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(text.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
