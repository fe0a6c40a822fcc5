package transport_test

import (
	"testing"

	"mcu/transport"
)

// A message without its chat, which Telegram never sends and on which
// telebot's routing would panic (a migration's, say), is rejected as
// undecodable, with its update_id kept for the record.
func TestDecodeUpdateRejectsMessageWithoutChat(t *testing.T) {
	for _, raw := range []string{
		`{"update_id":7,"message":{"message_id":1,"from":{"id":5},"migrate_to_chat_id":-1005}}`,
		`{"update_id":7,"edited_message":{"message_id":1,"text":"x"}}`,
	} {
		u, err := transport.DecodeUpdate([]byte(raw))
		if err == nil || u.ID != 7 {
			t.Errorf("%s: update %d, %v; want rejected with its id", raw, u.ID, err)
		}
	}
	if _, err := transport.DecodeUpdate([]byte(`{"update_id":8,"message":{"message_id":1,"chat":{"id":5,"type":"private"},"text":"x"}}`)); err != nil {
		t.Errorf("a well-formed message rejected: %v", err)
	}
}
