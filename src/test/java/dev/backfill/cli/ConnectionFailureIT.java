package dev.backfill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backfill.testing.Cli;
import dev.backfill.testing.InProcessCli;
import dev.backfill.testing.Poll;
import dev.backfill.testing.TestPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A target that will not let us in is reported within seconds with the server's or the network's own
 * reason and exit 3 — not, after 15 s, as the pool's "Connection is not available". The time limit is
 * generous: it guards the connect timeouts, not the speed of this machine.
 */
class ConnectionFailureIT {
    private static final String ROLE = "app";
    private static final String WRONG_PASSWORD = "not-the-password-7f3a";
    private static final double SECONDS = 10;
    private static String database;
    private static String reachable;
    private static int port;
    @TempDir
    Path folder;

    @BeforeAll
    static void roleThatNeedsAPassword() throws Exception {
        database = TestPostgres.freshDatabase(ConnectionFailureIT.class, "target");
        reachable = TestPostgres.jdbcUrl(database);
        port = Integer.parseInt(reachable.replaceAll(".*localhost:(\\d+)/.*", "$1"));
        try (Connection admin = TestPostgres.connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("do $$ begin if not exists (select from pg_roles where rolname = '" + ROLE + "') then"
                    + " create role " + ROLE + " login password 'right-password'; end if; end $$");
            // The embedded server trusts every local login; make this one role prove its password.
            Path hba;
            try (ResultSet rows = statement.executeQuery("show hba_file")) {
                rows.next();
                hba = Path.of(rows.getString(1));
            }
            String rules = Files.readString(hba, StandardCharsets.UTF_8);
            String ours = "host all " + ROLE + " 127.0.0.1/32 scram-sha-256\nhost all " + ROLE + " ::1/128 scram-sha-256\n";
            if (!rules.startsWith(ours)) {
                Files.writeString(hba, ours + rules, StandardCharsets.UTF_8);
                statement.execute("select pg_reload_conf()");
            }
        }
        Poll.until("the server to ask " + ROLE + " for its password", Duration.ofSeconds(10), 100, () -> {
            Properties login = new Properties();
            login.setProperty("user", ROLE);
            login.setProperty("password", WRONG_PASSWORD);
            try (Connection ignored = DriverManager.getConnection(reachable.replace("?user=postgres", ""), login)) {
                return false;
            } catch (SQLException e) {
                return "28P01".equals(e.getSQLState());
            }
        });
    }

    private Path plan(String target) throws IOException {
        return Files.writeString(folder.resolve("p.plan.yaml"), """
                version: 1
                plan: unreachable
                source: { jdbc: "%s" }
                target:
                %s
                partition: user_id
                entities:
                  - name: parts
                    from: { table: parts }
                    into: parts_v2
                    key: [name]
                    columns:
                      name: name
                """.formatted(reachable, target.indent(2).stripTrailing()));
    }

    @Test
    void aWrongPasswordIsReportedAsSuchWithoutShowingIt() throws Exception {
        Path plan = plan("jdbc: \"jdbc:postgresql://localhost:" + port + "/" + database + "\"\nuser: app\npassword: ${APP_PW}");

        long start = System.nanoTime();
        // a separate JVM: the password comes from the environment, as on an operator's shell
        try (Cli cli = Cli.start(folder, "wrong-password", List.of(), Map.of("APP_PW", WRONG_PASSWORD), "dry-run", plan.toString())) {
            int exit = cli.exitCode(60);
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(exit).as(cli.err()).isEqualTo(ExitCodes.CANNOT_CONNECT);
            assertThat(cli.err()).contains("Cannot connect to the target (jdbc:postgresql://localhost:" + port + "/" + database
                    + " as app): password authentication failed for user app. Check the user name, and the password in ${APP_PW}.");
            assertThat(cli.out() + cli.err()).doesNotContain(WRONG_PASSWORD).doesNotContain("Connection is not available");
            assertThat(seconds).as("seconds until reported, JVM start included").isLessThan(SECONDS);
        }
    }

    @Test
    void aDatabaseThatDoesNotExistIsNamed() throws Exception {
        Path plan = plan("jdbc: \"jdbc:postgresql://localhost:" + port + "/nope_db\"\nuser: postgres");

        InProcessCli.Result result = InProcessCli.run("dry-run", plan.toString());

        assertThat(result.exit()).as(result.err()).isEqualTo(ExitCodes.CANNOT_CONNECT);
        assertThat(result.err()).contains("Cannot connect to the target (jdbc:postgresql://localhost:" + port + "/nope_db as postgres):"
                + " database nope_db does not exist. Check the database name");
        assertThat(result.seconds()).as("seconds until reported").isLessThan(SECONDS);
    }

    @Test
    void aPortWhereNothingListensIsReportedAsRefused() throws Exception {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("localhost", 5499), 1000);
            throw new AssertionError("test setup: something listens on localhost:5499; this test needs a port nobody answers on");
        } catch (IOException expected) {
            // nothing there, as the test needs
        }
        Path plan = plan("jdbc: \"jdbc:postgresql://localhost:5499/app\"\nuser: app");

        InProcessCli.Result result = InProcessCli.run("dry-run", plan.toString());

        assertThat(result.exit()).as(result.err()).isEqualTo(ExitCodes.CANNOT_CONNECT);
        assertThat(result.err()).contains("Cannot connect to the target (jdbc:postgresql://localhost:5499/app as app):"
                + " connection refused at localhost:5499. Check that the server runs and listens on that host and port.");
        assertThat(result.seconds()).as("seconds until reported").isLessThan(SECONDS);
    }
}
