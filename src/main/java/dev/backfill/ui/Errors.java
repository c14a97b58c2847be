package dev.backfill.ui;

import dev.backfill.errors.Failure;

/** Turns a failure into the sentence a person reads: the engine's own message and what to do next, never a stack trace. */
public final class Errors {

    private Errors() {}

    public static String describe(Throwable error) {
        Failure failure = Failure.of(error);
        StringBuilder text = new StringBuilder(failure.message());
        for (int i = 0; i < failure.hints().size(); i++) {
            text.append(i == 0 ? "\nNext: " : "\nthen: ").append(failure.hints().get(i));
        }
        return text.toString();
    }
}
