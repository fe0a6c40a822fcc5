package bot_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// An update no handler takes (an edited message, a channel post, a
// reaction) is done once dispatched: it leaves the inbox at once rather
// than being tried again and given up there with its personal data.
func TestUnhandledUpdateLeavesTheInbox(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.newPlayer("Алиса")
	alice.send("/start")
	alice.expect("152-ФЗ")
	for _, raw := range []string{
		fmt.Sprintf(`{"edited_message": {"message_id": 1, "date": %d, "edit_date": %[1]d, "from": {"id": %d, "is_bot": false, "first_name": "Алиса"}, "chat": {"id": %[2]d, "type": "private"}, "text": "Иванова Мария, ул. Ленина 5"}}`, h.clock().Unix(), alice.u.ID),
		`{"some_future_kind": {"x": 1}}`,
	} {
		id, err := h.srv.InjectRawUpdate(json.RawMessage(raw))
		if err != nil {
			t.Fatal(err)
		}
		h.srv.MustWaitDelivered(t, id)
		h.waitFor(fmt.Sprintf("update %d to be processed", id), func() bool {
			return h.count(`SELECT count(*) FROM processed_updates WHERE update_id = $1`, id) == 1
		})
	}
	time.Sleep(100 * time.Millisecond)
	if n := h.count(`SELECT count(*) FROM inbox`); n != 0 {
		t.Errorf("%d updates left in the inbox", n)
	}
}

// An update that cannot be decoded (telebot fails on an empty photo
// array) is skipped by the poller and kept in rejected_updates, and the
// chat goes on.
func TestUndecodableUpdateIsKept(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	alice := h.newPlayer("Алиса")
	id, err := h.srv.InjectRawUpdate(json.RawMessage(fmt.Sprintf(
		`{"message": {"message_id": 1, "date": %d, "from": {"id": %d, "is_bot": false, "first_name": "Алиса"}, "chat": {"id": %[2]d, "type": "private"}, "photo": []}}`,
		h.clock().Unix(), alice.u.ID)))
	if err != nil {
		t.Fatal(err)
	}
	alice.send("/start")
	alice.expect("152-ФЗ")
	h.waitFor("the update to be kept", func() bool {
		return h.count(`SELECT count(*) FROM rejected_updates WHERE update_id = $1 AND size > 0 AND reason <> ''`, id) == 1
	})
}
