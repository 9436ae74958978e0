package serve

import (
	"testing"
)

// BenchmarkConnectToFirstScreen is one engineer's `ssh` over loopback: TCP, key exchange,
// public-key auth, PTY, the renderer's terminal queries answered, until the first screen
// shows the list. Budget (issue 10): 300 ms.
func BenchmarkConnectToFirstScreen(b *testing.B) {
	e := newEnv(b, func(o *Options) { o.MaxSessions = 0 })
	b.ResetTimer()
	for range b.N {
		c := e.connect("bench", e.viewer, 120, 40)
		c.Out.WaitFor(b, "first screen", idSecond)
		b.StopTimer()
		_ = c.Conn.Close()
		b.StartTimer()
	}
}
