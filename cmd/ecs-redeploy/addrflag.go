package main

import (
	"fmt"
	"net"
	"strconv"
)

// checkAddr refuses a HOST:PORT flag (--listen, --metrics, --endpoint) whose shape no
// listen or dial can take, as the usage mistake it is (exit 2, docs/cli.md): no port, a
// port that is not a number from 0 (listen: a free one) or 1 (dial) to 65535. A host that
// is not there, or a port in use, is found by the listen or the call (exit 1).
func checkAddr(flag, addr string, listen bool) error {
	low := 1
	if listen {
		low = 0
	}
	want := fmt.Sprintf("HOST:PORT with a port from %d to 65535", low)
	if listen {
		want += " (0 picks a free one)"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError{fmt.Errorf("%s %q: expected %s, e.g. 127.0.0.1:8080", flag, addr, want)}
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < low || n > 65535 {
		return usageError{fmt.Errorf("%s %q: port %q: expected %s", flag, addr, port, want)}
	}
	if !listen && host == "" {
		return usageError{fmt.Errorf("%s %q: no host: expected %s, e.g. 127.0.0.1:8080", flag, addr, want)}
	}
	return nil
}
