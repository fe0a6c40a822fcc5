package telegramtest

import (
	"testing"
	"time"
)

// Changes closes at the next change (a bot's call), and CallsSince hands
// out each call once, from where the watcher left off.
func TestChangesAndCallsSince(t *testing.T) {
	srv := newServer(t, Options{})
	alice := srv.NewUser("Alice")
	srv.OpenPrivateChat(alice)
	seen := len(srv.CallsSince(0))
	changed := srv.Changes()
	select {
	case <-changed:
		t.Fatal("Changes closed with nothing changed")
	default:
	}
	sendText(t, srv, alice.ID, "one", nil)
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("Changes not closed by a sendMessage")
	}
	sendText(t, srv, alice.ID, "two", nil)
	calls := srv.CallsSince(seen)
	if len(calls) != 2 || calls[0].Param("text") != "one" || calls[1].Param("text") != "two" {
		t.Fatalf("calls since %d: %v", seen, calls)
	}
	if more := srv.CallsSince(seen + 2); len(more) != 0 {
		t.Errorf("calls read twice: %v", more)
	}
	if srv.Closed() {
		t.Error("open server says closed")
	}
	srv.Close()
	select {
	case <-srv.Changes():
	default:
		t.Error("Changes of a closed server does not return at once")
	}
	if !srv.Closed() {
		t.Error("closed server says open")
	}
}
