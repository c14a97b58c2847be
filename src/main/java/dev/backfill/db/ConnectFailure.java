package dev.backfill.db;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.postgresql.Driver;
import org.postgresql.util.PSQLException;

/**
 * Why PostgreSQL did not let us in, in the words an operator acts on: the server's own reason
 * ("password authentication failed for user app", "database nope_db does not exist") or the network's
 * ("connection refused at localhost:5499"), then what to check. Built from the driver's exception,
 * which never carries the password.
 */
final class ConnectFailure {

    private ConnectFailure() {}

    /**
     * @param passwordSource where the password comes from, e.g. "${TARGET_PW}", or null when the plan gives none
     * @param connectTimeoutSeconds the driver's connect timeout in effect, for "no answer within N s"
     */
    static String explain(SQLException error, String url, String passwordSource, int connectTimeoutSeconds) {
        String state = error.getSQLState() == null ? "" : error.getSQLState();
        String server = serverMessage(error);
        switch (state) {
            case "28P01" -> {
                return server + ". Check the user name, and the password " + (passwordSource == null
                        ? "(the plan gives none: add 'password: ${ENV}')" : "in " + passwordSource) + ".";
            }
            case "28000" -> {
                return server + ". Check the user name, and that the server lets it connect from this host (pg_hba.conf).";
            }
            case "3D000" -> {
                return server + ". Check the database name in the plan's URL (or its 'database:'), or create the database.";
            }
            case "53300" -> {
                return server + ". The server has no free connection slots; try again later or raise max_connections.";
            }
            case "57P03" -> {
                return server + ". Try again in a moment.";
            }
            default -> {
                return network(error, url, connectTimeoutSeconds).orElse(
                        server + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")")
                                + ". Check that the server runs, and that the URL and user are right.");
            }
        }
    }

    /** The network's reason, when the cause is one: refused, no answer, unknown host, no route. */
    private static Optional<String> network(SQLException error, String url, int connectTimeoutSeconds) {
        String where = hostsAndPorts(url);
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException) {
                return Optional.of("connection refused at " + where
                        + ". Check that the server runs and listens on that host and port.");
            }
            if (cause instanceof UnknownHostException) {
                return Optional.of("unknown host " + cause.getMessage() + ". Check the host name in the plan's URL.");
            }
            if (cause instanceof NoRouteToHostException) {
                return Optional.of("no route to " + where + ". Check the host in the plan's URL and the network.");
            }
            if (cause instanceof SocketTimeoutException
                    || (cause.getMessage() != null && cause.getMessage().toLowerCase(Locale.ROOT).contains("timed out"))) {
                return Optional.of("no answer from " + where + " within " + connectTimeoutSeconds
                        + " s. Check the host and port, and any firewall in between ('connectTimeout' and 'loginTimeout' in the URL wait longer).");
            }
        }
        return Optional.empty();
    }

    /** The server's sentence without its severity or identifier quotes: {@code database "x" does not exist} → {@code database x does not exist}. */
    private static String serverMessage(SQLException error) {
        if (error instanceof PSQLException psql && psql.getServerErrorMessage() != null
                && psql.getServerErrorMessage().getMessage() != null) {
            return psql.getServerErrorMessage().getMessage().replace("\"", "");
        }
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
    }

    /** "localhost:5499", or "db1:5432, db2:5433" for a URL naming several servers, as the driver reads the URL. */
    static String hostsAndPorts(String url) {
        Properties parsed = Driver.parseURL(url, null);
        if (parsed == null) {
            return "the server in the URL";
        }
        String[] hosts = parsed.getProperty("PGHOST", "localhost").split(",");
        String[] ports = parsed.getProperty("PGPORT", "5432").split(",");
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < hosts.length; i++) {
            pairs.add(hosts[i] + ":" + (i < ports.length ? ports[i] : ports[ports.length - 1]));
        }
        return String.join(", ", pairs);
    }
}
