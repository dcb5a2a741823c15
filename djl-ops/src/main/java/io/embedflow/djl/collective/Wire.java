package io.embedflow.djl.collective;

import java.net.InetSocketAddress;
import java.time.Duration;

/** Constants of the gang's wire protocol (all integers little-endian on the ring, big-endian in the rendezvous). */
final class Wire {
    /** A member's hello to the coordinator: {@code EFG1}. */
    static final int HELLO_MAGIC = 0x45464731;
    /** A member's first words on a ring link: {@code EFR1}. */
    static final int RING_MAGIC = 0x45465231;
    /** The header in front of each operation's bytes on a ring link: {@code EFB1}. */
    static final int BUCKET_MAGIC = 0x45464231;
    static final int VERSION = 1;
    static final byte ACCEPTED = 0;
    static final byte REFUSED = 1;

    private Wire() {}

    /** {@code 10s}, {@code 1.5s}, {@code 250ms}, {@code 3m}: for messages. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
    }

    /** Resolves an address given as a name now, at the point of use. */
    static InetSocketAddress resolved(InetSocketAddress address) {
        return address.isUnresolved() ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
    }

    static String hostPort(InetSocketAddress address) {
        return GangMember.hostPort(address);
    }
}
