package dev.backfill.ui.batches;

import dev.backfill.control.PendingStore;
import dev.backfill.control.UserView;

/**
 * One line of the selected batch's problems: a user it did not apply (with the reason kept), or a waiting row
 * of one of its users that the target refused when it was released. {@code heldBack}: the user, for a user
 * line (it can be reviewed again); null for a refused row.
 */
public record BatchProblem(String user, String status, String why, UserView heldBack) {

    static BatchProblem of(UserView user) {
        return new BatchProblem(user.user(), user.status().sql().replace('_', ' '), user.lastError(), user);
    }

    static BatchProblem of(PendingStore.Refused row, int batch) {
        return new BatchProblem(row.user(), "row refused", row.entity() + " " + row.keyJson() + " still waits: the target refused it"
                + " when the row it waits for was written (" + row.message() + "). Make the target take it (remove the row holding"
                + " its key, or change the constraint or trigger that refuses it), then roll back batch " + batch + ", approve it"
                + " again and apply it.", null);
    }
}
