package io.embedflow.connectors;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 proxy for tests that forwards to a target (S3Proxy, usually) byte for byte and injects faults
 * on request: error answers, connections reset in the middle of a body, bodies cut short. Point a client's
 * endpoint at {@link #endpoint()}; the {@code Host} header goes through unchanged, so SigV4 signatures still
 * match.
 *
 * <p>Faults are queued and each one is used up by the next request it applies to ({@link #scope(Scope)}, by
 * default every GET); other requests pass untouched. Client connections are kept alive; each request goes to
 * the target on a fresh connection, so an idle upstream connection can never be the fault.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start(server.endpoint())) {
 *   proxy.failNext(2, 503, "SlowDown");
 *   proxy.resetMidBodyNext(1);
 *   S3Settings settings = server.settings().withEndpoint(proxy.endpoint());
 *   ...
 *   assertThat(proxy.faultsInjected()).isEqualTo(3);
 * }
 * }</pre>
 */
public final class FaultProxy implements AutoCloseable {
  /** Which requests faults apply to. */
  public enum Scope {
    ALL,
    GET,
    /** GETs with a {@code Range} header. */
    RANGED_GET
  }

  private enum Kind { FAIL, RESET_MID_BODY, TRUNCATE_BODY }

  private record Fault(Kind kind, int status, String errorCode) {}

  private static final int MAX_HEAD = 64 * 1024;
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final ArrayDeque<Fault> faults = new ArrayDeque<>();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger requestsSeen = new AtomicInteger();
  private final AtomicInteger faultsInjected = new AtomicInteger();
  private final AtomicInteger openExchanges = new AtomicInteger();
  private final AtomicInteger peakOpenExchanges = new AtomicInteger();
  private volatile Scope scope = Scope.GET;
  private volatile boolean closed;

  private FaultProxy(ServerSocket server, InetSocketAddress target) {
    this.server = server;
    this.target = target;
  }

  /** A proxy on a free loopback port, forwarding to {@code target} ({@code http://host:port}). */
  public static FaultProxy start(URI target) {
    try {
      ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
      FaultProxy proxy = new FaultProxy(server, new InetSocketAddress(target.getHost(), target.getPort()));
      daemon("fault-proxy-accept", proxy::acceptLoop).start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the fault proxy", e);
    }
  }

  /** {@code http://127.0.0.1:PORT}. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /** Which requests the queued faults apply to from now on; returns this proxy. */
  public FaultProxy scope(Scope newScope) {
    scope = newScope;
    return this;
  }

  /** The next {@code n} requests in scope get an S3 error answer ({@code <Error><Code>…}) without reaching the target. */
  public void failNext(int n, int status, String s3ErrorCode) {
    add(n, new Fault(Kind.FAIL, status, s3ErrorCode));
  }

  /** The next {@code n} requests in scope are forwarded, then the connection is reset after half of the response body. */
  public void resetMidBodyNext(int n) {
    add(n, new Fault(Kind.RESET_MID_BODY, 0, null));
  }

  /**
   * The next {@code n} requests in scope are forwarded with the announced {@code Content-Length}, but all of
   * the body except its last byte, and then the connection is closed.
   */
  public void truncateBodyNext(int n) {
    add(n, new Fault(Kind.TRUNCATE_BODY, 0, null));
  }

  /** Drops the faults not yet used. */
  public void clearFaults() {
    synchronized (faults) {
      faults.clear();
    }
  }

  /** Requests received so far, faulted ones included. */
  public int requestsSeen() {
    return requestsSeen.get();
  }

  /** Faults used so far. */
  public int faultsInjected() {
    return faultsInjected.get();
  }

  /** Faults queued and not yet used. */
  public int faultsPending() {
    synchronized (faults) {
      return faults.size();
    }
  }

  /** Requests being answered right now. */
  public int openExchanges() {
    return openExchanges.get();
  }

  /** The most requests ever answered at once. */
  public int peakOpenExchanges() {
    return peakOpenExchanges.get();
  }

  /** Sets {@link #requestsSeen()}, {@link #faultsInjected()} and {@link #peakOpenExchanges()} back to 0. */
  public void resetCounters() {
    requestsSeen.set(0);
    faultsInjected.set(0);
    peakOpenExchanges.set(0);
  }

  /** Waits until no request is being answered; {@code false} if some still is after {@code timeout}. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (openExchanges.get() > 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5); // exchanges end on connection threads, with nothing to wait on
    }
    return true;
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    sockets.forEach(FaultProxy::closeQuietly);
  }

  private void add(int n, Fault fault) {
    if (n < 0) {
      throw new IllegalArgumentException("n must not be negative, was " + n);
    }
    synchronized (faults) {
      for (int i = 0; i < n; i++) {
        faults.add(fault);
      }
    }
  }

  private Fault takeFault(Head request) {
    boolean inScope = switch (scope) {
      case ALL -> true;
      case GET -> request.method().equals("GET");
      case RANGED_GET -> request.method().equals("GET") && request.header("range") != null;
    };
    if (!inScope) {
      return null;
    }
    synchronized (faults) {
      return faults.poll();
    }
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        sockets.add(client);
        daemon("fault-proxy-" + THREADS.incrementAndGet(), () -> serve(client)).start();
      } catch (IOException e) {
        if (!closed) {
          closeQuietly(server);
        }
        return;
      }
    }
  }

  /** Answers requests on one client connection until either side closes it or a fault ends it. */
  private void serve(Socket client) {
    try (client) {
      InputStream fromClient = new BufferedInputStream(client.getInputStream());
      OutputStream toClient = new BufferedOutputStream(client.getOutputStream());
      while (!closed) {
        Head request = Head.read(fromClient);
        if (request == null) {
          return;
        }
        requestsSeen.incrementAndGet();
        peakOpenExchanges.accumulateAndGet(openExchanges.incrementAndGet(), Math::max);
        try {
          if (!exchange(request, takeFault(request), client, fromClient, toClient)) {
            return;
          }
        } finally {
          openExchanges.decrementAndGet();
        }
      }
    } catch (IOException e) {
      // a side hung up: nothing to answer any more
    } finally {
      sockets.remove(client);
    }
  }

  /** One request and its answer; {@code false} when the client connection must end. */
  private boolean exchange(Head request, Fault fault, Socket client, InputStream fromClient, OutputStream toClient)
      throws IOException {
    if (fault != null && fault.kind() == Kind.FAIL) {
      // a client that expects 100-continue sends no body before it is told to; it gets the error instead
      boolean bodyFollows = !request.expectsContinue();
      if (bodyFollows) {
        Body.copy(request, fromClient, OutputStream.nullOutputStream(), false);
      }
      faultsInjected.incrementAndGet();
      writeError(toClient, fault, !bodyFollows);
      return bodyFollows && !request.closes();
    }
    try (Socket upstream = new Socket()) {
      sockets.add(upstream);
      upstream.connect(target, 5_000);
      InputStream fromTarget = new BufferedInputStream(upstream.getInputStream());
      OutputStream toTarget = new BufferedOutputStream(upstream.getOutputStream());
      toTarget.write(request.raw());
      if (request.expectsContinue()) {
        toTarget.flush();
        Head interim = Head.read(fromTarget);
        if (interim == null) {
          return false;
        }
        if (interim.status() != 100) {
          // the target answered without the body: the client may or may not send it, so end the connection
          forward(request, interim, fault, client, fromTarget, toClient);
          return false;
        }
        toClient.write(interim.raw());
        toClient.flush();
      }
      Body.copy(request, fromClient, toTarget, false);
      toTarget.flush();
      Head response = Head.read(fromTarget);
      while (response != null && response.status() / 100 == 1) {
        toClient.write(response.raw());
        response = Head.read(fromTarget);
      }
      if (response == null) {
        return false;
      }
      return forward(request, response, fault, client, fromTarget, toClient) && !request.closes() && !response.closes();
    } finally {
      sockets.removeIf(socket -> socket.isClosed());
    }
  }

  /** Sends the response head and body on, or the faulty part of it; {@code false} when the connection must end. */
  private boolean forward(Head request, Head response, Fault fault, Socket client, InputStream fromTarget,
      OutputStream toClient) throws IOException {
    toClient.write(response.raw());
    boolean hasBody = !request.method().equals("HEAD") && response.status() != 204 && response.status() != 304;
    long length = hasBody ? response.contentLength() : 0;
    if (fault == null) {
      boolean framed = !hasBody || Body.copy(response, fromTarget, toClient, true);
      toClient.flush();
      return framed;
    }
    faultsInjected.incrementAndGet();
    long send = length <= 0 ? 0 : fault.kind() == Kind.RESET_MID_BODY ? length / 2 : length - 1;
    Body.copyExactly(fromTarget, toClient, send);
    toClient.flush();
    if (fault.kind() == Kind.RESET_MID_BODY) {
      client.setSoLinger(true, 0);
    }
    client.close();
    return false;
  }

  private static void writeError(OutputStream out, Fault fault, boolean closing) throws IOException {
    byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + fault.errorCode()
        + "</Code><Message>injected by FaultProxy</Message><RequestId>fault-proxy</RequestId></Error>")
        .getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + fault.status() + " Injected\r\n"
        + "Content-Type: application/xml\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + "x-amz-request-id: fault-proxy\r\n"
        + (closing ? "Connection: close\r\n" : "")
        + "\r\n";
    out.write(head.getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  private static Thread daemon(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    return thread;
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // closing anyway
    }
  }

  /** A request or response head: the bytes as received, the start line and the headers (names in lower case). */
  private record Head(byte[] raw, String startLine, Map<String, String> headers) {
    static Head read(InputStream in) throws IOException {
      ByteArrayOutputStream raw = new ByteArrayOutputStream(512);
      int matched = 0;
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          if (raw.size() == 0) {
            return null;
          }
          throw new EOFException("connection closed inside a message head");
        }
        raw.write(b);
        if (raw.size() > MAX_HEAD) {
          throw new IOException("message head longer than " + MAX_HEAD + " bytes");
        }
        matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
            ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      String[] lines = raw.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      Map<String, String> headers = new HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.merge(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip(),
              (a, b) -> a + ", " + b);
        }
      }
      return new Head(raw.toByteArray(), lines[0], headers);
    }

    String header(String name) {
      return headers.get(name);
    }

    String method() {
      return startLine.substring(0, Math.max(0, startLine.indexOf(' ')));
    }

    int status() {
      String[] parts = startLine.split(" ", 3);
      return parts.length > 1 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -1;
    }

    boolean chunked() {
      String encoding = header("transfer-encoding");
      return encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked");
    }

    long contentLength() {
      String length = header("content-length");
      return length == null ? -1 : Long.parseLong(length.strip());
    }

    boolean closes() {
      String connection = header("connection");
      return connection != null && connection.toLowerCase(Locale.ROOT).contains("close");
    }

    boolean expectsContinue() {
      String expect = header("expect");
      return expect != null && expect.equalsIgnoreCase("100-continue");
    }
  }

  /** Message bodies, framed by {@code Content-Length} or chunked encoding, copied as they are. */
  private static final class Body {
    /**
     * Copies the body that {@code head} announces. Without a length or chunking, a response body runs to the
     * end of the connection ({@code untilCloseIfUnframed}) and a request has none. Returns whether the body
     * was framed, i.e. whether the connection can carry another message.
     */
    static boolean copy(Head head, InputStream in, OutputStream out, boolean untilCloseIfUnframed) throws IOException {
      if (head.chunked()) {
        copyChunked(in, out);
        return true;
      }
      long length = head.contentLength();
      if (length >= 0) {
        copyExactly(in, out, length);
        return true;
      }
      if (untilCloseIfUnframed) {
        in.transferTo(out);
        return false;
      }
      return true;
    }

    static void copyExactly(InputStream in, OutputStream out, long length) throws IOException {
      byte[] buffer = new byte[64 * 1024];
      long left = length;
      while (left > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new EOFException("connection closed with " + left + " body bytes to go");
        }
        out.write(buffer, 0, n);
        left -= n;
      }
    }

    private static void copyChunked(InputStream in, OutputStream out) throws IOException {
      while (true) {
        String sizeLine = copyLine(in, out);
        int semicolon = sizeLine.indexOf(';');
        long size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip(), 16);
        if (size == 0) {
          while (!copyLine(in, out).isEmpty()) {
            // trailer fields, up to the empty line
          }
          return;
        }
        copyExactly(in, out, size + 2); // the chunk and its CRLF
      }
    }

    /** Copies one CRLF-terminated line and returns it without the CRLF. */
    private static String copyLine(InputStream in, OutputStream out) throws IOException {
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) >= 0) {
        out.write(b);
        if (b == '\n') {
          int end = line.length() > 0 && line.charAt(line.length() - 1) == '\r' ? line.length() - 1 : line.length();
          return line.substring(0, end);
        }
        line.append((char) b);
      }
      throw new EOFException("connection closed inside a chunked body");
    }
  }
}
