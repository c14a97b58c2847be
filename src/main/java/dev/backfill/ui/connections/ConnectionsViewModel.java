package dev.backfill.ui.connections;

import dev.backfill.plan.ConnectionSpec;
import dev.backfill.plan.Plan;
import dev.backfill.plan.SecretRef;
import dev.backfill.ui.AppState;
import dev.backfill.ui.session.Session;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/** The plan's source and target: what they are, whether they answer, and the passwords they need (kept in memory only). */
public final class ConnectionsViewModel {

    /** One side of the migration. */
    public final class Side {
        private final String purpose;
        private final boolean readOnly;
        private final StringProperty description = new SimpleStringProperty("");
        private final StringProperty secret = new SimpleStringProperty("");
        private final BooleanProperty needsPassword = new SimpleBooleanProperty();
        private final StringProperty state = new SimpleStringProperty("Not connected");
        private ConnectionSpec spec;

        private Side(String purpose, boolean readOnly) {
            this.purpose = purpose;
            this.readOnly = readOnly;
        }

        public ReadOnlyStringProperty descriptionProperty() {
            return description;
        }

        /** The environment variable the plan names for the password, e.g. ${APP_PW}, or empty. */
        public ReadOnlyStringProperty secretProperty() {
            return secret;
        }

        public ReadOnlyBooleanProperty needsPasswordProperty() {
            return needsPassword;
        }

        public ReadOnlyStringProperty stateProperty() {
            return state;
        }

        /** Takes the password for this session; it is never written anywhere. */
        public void supplyPassword(char[] password) {
            if (spec instanceof ConnectionSpec.Postgres postgres && postgres.password() != null && password.length > 0) {
                state().secrets().supply(postgres.password().variable(), password);
                java.util.Arrays.fill(password, '\0');
                refresh();
            }
        }

        public void test() {
            if (spec == null) {
                return;
            }
            state.set("Testing…");
            session.test(spec, readOnly, purpose, state::set);
        }

        void show(ConnectionSpec next, boolean connected) {
            spec = next;
            if (next == null) {
                description.set("");
                secret.set("");
                needsPassword.set(false);
                state.set("No plan open");
                return;
            }
            description.set(next.describe() + (readOnly ? " (read-only)" : ""));
            SecretRef ref = next instanceof ConnectionSpec.Postgres postgres ? postgres.password() : null;
            secret.set(ref == null ? "" : ref.toString());
            needsPassword.set(ref != null && !state().secrets().has(ref));
            state.set(connected ? (readOnly ? "Connected, read-only" : "Connected")
                    : needsPassword.get() ? "Waiting for the password in " + ref : "Not connected");
        }
    }

    private final AppState appState;
    private final Session session;
    private final Side source = new Side("source", true);
    private final Side target = new Side("target", false);
    private final BooleanProperty connecting = new SimpleBooleanProperty();

    public ConnectionsViewModel(AppState state, Session session) {
        this.appState = state;
        this.session = session;
        state.planProperty().addListener((o, old, plan) -> refresh());
        state.workspaceProperty().addListener((o, old, workspace) -> refresh());
        refresh();
    }

    private AppState state() {
        return appState;
    }

    public Side source() {
        return source;
    }

    public Side target() {
        return target;
    }

    public ReadOnlyBooleanProperty connectingProperty() {
        return connecting;
    }

    public void connect() {
        if (appState.plan() == null || connecting.get()) {
            return;
        }
        connecting.set(true);
        target.state.set("Connecting…");
        session.connect(() -> {
            connecting.set(false);
            refresh();
        });
    }

    private void refresh() {
        Plan plan = appState.plan();
        boolean connected = appState.workspace() != null;
        source.show(plan == null ? null : plan.source(), connected);
        target.show(plan == null ? null : plan.target(), connected);
    }
}
