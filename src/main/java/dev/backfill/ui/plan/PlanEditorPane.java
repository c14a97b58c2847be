package dev.backfill.ui.plan;

import dev.backfill.plan.PlanError;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javafx.beans.binding.Bindings;
import javafx.beans.property.SimpleStringProperty;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.Callback;
import org.fxmisc.flowless.VirtualizedScrollPane;
import org.fxmisc.richtext.CodeArea;
import org.fxmisc.richtext.LineNumberFactory;
import org.fxmisc.richtext.model.StyleSpans;
import org.fxmisc.richtext.model.StyleSpansBuilder;

/** The plan's YAML in a highlighting editor with its errors at their lines, and the what-if beside it. */
final class PlanEditorPane {
    static final String ERROR_LINE = "error-line";
    private static final Pattern YAML = Pattern.compile(
            "(?<COMMENT>(?<=^|[ \\t])#[^\\n]*)"
                    + "|(?<STRING>\"(?:[^\"\\\\\\n]|\\\\.)*\"|'[^'\\n]*')"
                    + "|(?<REFERENCE>\\$\\{[^}\\n]*})"
                    + "|(?<KEY>[A-Za-z_$][\\w$.-]*)(?=[ \\t]*:(?:[ \\t]|$))"
                    + "|(?<LITERAL>\\b(?:true|false|null)\\b|(?<![\\w.-])-?\\d+(?:\\.\\d+)?(?![\\w.-]))",
            Pattern.MULTILINE);
    private static final String[] GROUPS = {"COMMENT", "STRING", "REFERENCE", "KEY", "LITERAL"};

    private final PlanEditorViewModel model;
    private final WhatIfViewModel whatIf;
    private final CodeArea editor = new CodeArea();
    private final Set<Integer> markedLines = new HashSet<>();
    private final SplitPane root;

    PlanEditorPane(PlanEditorViewModel model, WhatIfViewModel whatIf) {
        this.model = model;
        this.whatIf = whatIf;
        this.root = new SplitPane(editorSide(), whatIfSide());
        root.setDividerPositions(0.5);
        root.setOrientation(Orientation.HORIZONTAL);
    }

    Node node() {
        return root;
    }

    private Node editorSide() {
        editor.setId("planEditor");
        editor.getStyleClass().add("plan-editor");
        editor.setWrapText(true);
        editor.setParagraphGraphicFactory(LineNumberFactory.get(editor));
        editor.textProperty().addListener((o, old, text) -> {
            if (!text.isEmpty()) {
                editor.setStyleSpans(0, highlight(text));
            }
            model.textProperty().set(text);
        });
        model.textProperty().addListener((o, old, text) -> {
            if (!text.equals(editor.getText())) {
                editor.replaceText(text);
                editor.getUndoManager().forgetHistory();
                editor.moveTo(0);
            }
        });
        if (!model.textProperty().get().isEmpty()) {
            editor.replaceText(model.textProperty().get());
            editor.getUndoManager().forgetHistory();
        }
        model.errors().addListener((ListChangeListener<PlanError>) change -> markErrorLines());

        Button save = new Button("Save");
        save.setId("savePlan");
        save.setDefaultButton(false);
        save.disableProperty().bind(model.canSave().not());
        save.setOnAction(event -> model.save());
        save.setTooltip(new Tooltip("Writes the text to the plan file exactly as shown (comments kept). Only a valid plan is saved."));
        Button revert = new Button("Revert");
        revert.setId("revertPlan");
        revert.disableProperty().bind(model.canRevert().not());
        revert.setOnAction(event -> model.revert());
        Label status = new Label();
        status.setId("editorStatus");
        status.textProperty().bind(model.statusProperty());
        status.setWrapText(true);
        save.setMinWidth(Region.USE_PREF_SIZE);
        revert.setMinWidth(Region.USE_PREF_SIZE);
        status.setMinHeight(Region.USE_PREF_SIZE);
        HBox.setHgrow(status, Priority.ALWAYS);
        HBox toolbar = new HBox(8, save, revert, status);
        toolbar.setAlignment(Pos.CENTER_LEFT);
        Label saved = new Label();
        saved.setId("saveStatus");
        saved.setWrapText(true);
        saved.textProperty().bind(model.saveStatusProperty());
        saved.setMinHeight(Region.USE_PREF_SIZE);
        saved.managedProperty().bind(saved.textProperty().isNotEmpty());

        TableView<PlanError> errors = new TableView<>(model.errors());
        errors.setId("planEditorErrors");
        errors.getStyleClass().addAll("dense", "striped");
        errors.setPrefHeight(130);
        errors.getColumns().add(column("Line", 60, e -> e.at().line() + ":" + e.at().column()));
        errors.getColumns().add(column("Field", 200, e -> e.at().field()));
        errors.getColumns().add(column("Error", 520, PlanError::message));
        errors.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        errors.visibleProperty().bind(Bindings.isNotEmpty(model.errors()));
        errors.managedProperty().bind(errors.visibleProperty());
        errors.getSelectionModel().selectedItemProperty().addListener((o, old, error) -> goTo(error));

        VirtualizedScrollPane<CodeArea> scroll = new VirtualizedScrollPane<>(editor);
        VBox side = new VBox(6, toolbar, saved, scroll, errors);
        VBox.setVgrow(scroll, Priority.ALWAYS);
        side.setPadding(new Insets(0, 8, 0, 0));
        return side;
    }

    private Node whatIfSide() {
        Label title = new Label("What-if: one user under the edited plan, beside the reviewed result");
        title.getStyleClass().add("title-4");
        TextField user = new TextField();
        user.setId("whatIfUser");
        user.setPromptText("a user id (the plan's partition value), or <shared> for the shared rows");
        user.textProperty().bindBidirectional(whatIf.userProperty());
        user.setOnAction(event -> whatIf.run());
        HBox.setHgrow(user, Priority.ALWAYS);
        Button map = new Button("Map this user");
        map.setId("whatIfRun");
        map.setOnAction(event -> whatIf.run());
        ProgressIndicator running = new ProgressIndicator();
        running.setPrefSize(18, 18);
        running.visibleProperty().bind(whatIf.runningProperty());
        HBox ask = new HBox(8, new Label("User"), user, map, running);
        ask.setAlignment(Pos.CENTER_LEFT);
        Label summary = new Label();
        summary.setId("whatIfSummary");
        summary.setWrapText(true);
        summary.textProperty().bind(whatIf.summaryProperty());
        summary.setMinHeight(Region.USE_PREF_SIZE);
        Label notes = new Label();
        notes.setId("whatIfNotes");
        notes.setWrapText(true);
        notes.getStyleClass().add("text-warning");
        notes.textProperty().bind(whatIf.notesProperty());
        notes.setMinHeight(Region.USE_PREF_SIZE);
        notes.managedProperty().bind(notes.textProperty().isNotEmpty());

        TableView<WhatIfViewModel.DiffLine> rows = new TableView<>(whatIf.rows());
        rows.setId("whatIfRows");
        rows.getStyleClass().addAll("dense", "striped");
        rows.setPlaceholder(new Label("No planned row differs."));
        rows.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        rows.getColumns().add(column("Entity", 90, WhatIfViewModel.DiffLine::entity));
        rows.getColumns().add(column("Change", 65, WhatIfViewModel.DiffLine::change));
        rows.getColumns().add(column("Row (key)", 120, WhatIfViewModel.DiffLine::row));
        rows.getColumns().add(column("Column", 80, WhatIfViewModel.DiffLine::column));
        rows.getColumns().add(column("Reviewed (dry run)", 130, WhatIfViewModel.DiffLine::reviewed));
        rows.getColumns().add(column("What-if (edited plan)", 130, WhatIfViewModel.DiffLine::edited));
        Label findingsTitle = new Label("Findings that differ");
        findingsTitle.getStyleClass().add("title-4");
        TableView<WhatIfViewModel.FindingLine> findings = new TableView<>(whatIf.findings());
        findings.setId("whatIfFindings");
        findings.getStyleClass().addAll("dense", "striped");
        findings.setPlaceholder(new Label("No finding differs."));
        findings.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        findings.setPrefHeight(170);
        findings.getColumns().add(column("", 130, WhatIfViewModel.FindingLine::side));
        findings.getColumns().add(column("Kind", 110, WhatIfViewModel.FindingLine::kind));
        findings.getColumns().add(column("Entity", 90, WhatIfViewModel.FindingLine::entity));
        findings.getColumns().add(column("Field", 70, WhatIfViewModel.FindingLine::field));
        findings.getColumns().add(column("Message", 200, WhatIfViewModel.FindingLine::message));
        VBox side = new VBox(6, title, ask, summary, notes, rows, findingsTitle, findings);
        VBox.setVgrow(rows, Priority.ALWAYS);
        side.setPadding(new Insets(0, 0, 0, 8));
        return side;
    }

    private static <T> TableColumn<T, String> column(String title, double width, java.util.function.Function<T, String> value) {
        TableColumn<T, String> column = new TableColumn<>(title);
        column.setPrefWidth(width);
        Callback<TableColumn.CellDataFeatures<T, String>, javafx.beans.value.ObservableValue<String>> factory =
                cell -> new SimpleStringProperty(value.apply(cell.getValue()));
        column.setCellValueFactory(factory);
        // a cell is narrower than a whole row's values: the tooltip has them all
        column.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty ? null : item);
                setTooltip(empty || item == null || item.isEmpty() ? null : new Tooltip(item));
            }
        });
        return column;
    }

    private void goTo(PlanError error) {
        if (error == null || error.at().line() < 1 || error.at().line() > editor.getParagraphs().size()) {
            return;
        }
        int paragraph = error.at().line() - 1;
        int column = Math.max(0, Math.min(error.at().column() - 1, editor.getParagraph(paragraph).length()));
        editor.moveTo(paragraph, column);
        editor.requestFollowCaret();
    }

    /** The lines with an error get a red background; lines that had one and no longer do lose it. */
    private void markErrorLines() {
        int paragraphs = editor.getParagraphs().size();
        for (int line : markedLines) {
            if (line < paragraphs) {
                editor.setParagraphStyle(line, List.of());
            }
        }
        markedLines.clear();
        for (PlanError error : model.errors()) {
            int line = error.at().line() - 1;
            if (line >= 0 && line < paragraphs && markedLines.add(line)) {
                editor.setParagraphStyle(line, List.of(ERROR_LINE));
            }
        }
    }

    /** YAML's comments, keys, strings, ${VAR} references and literals, as style classes over the text. */
    static StyleSpans<Collection<String>> highlight(String text) {
        Matcher matcher = YAML.matcher(text);
        StyleSpansBuilder<Collection<String>> spans = new StyleSpansBuilder<>();
        int last = 0;
        while (matcher.find()) {
            String style = null;
            for (String group : GROUPS) {
                if (matcher.group(group) != null) {
                    style = "yaml-" + group.toLowerCase(java.util.Locale.ROOT);
                    break;
                }
            }
            spans.add(List.of(), matcher.start() - last);
            spans.add(List.of(style), matcher.end() - matcher.start());
            last = matcher.end();
        }
        spans.add(List.of(), text.length() - last);
        return spans.create();
    }
}
