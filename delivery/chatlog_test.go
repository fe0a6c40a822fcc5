package delivery

import "testing"

// A private chat's id is a person's Telegram id: the log names it only as
// private; a group keeps its id, which staff look for.
func TestChatForLogKeepsPeopleOut(t *testing.T) {
	if got := chatForLog(100000001); got != "private" {
		t.Errorf("a private chat is logged as %v", got)
	}
	if got := chatForLog(-4000000001); got != int64(-4000000001) {
		t.Errorf("a group is logged as %v", got)
	}
}
