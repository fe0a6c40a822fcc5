package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"mcu/bot"
	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/storage"
	"mcu/transport"
	"mcu/workflow"
)

// The people of FuzzUpdateDispatch: a resident who consented and has an
// appeal, a curator of the housing chat, and someone who never consented.
const (
	fuzzAlice    = 1001
	fuzzCurator  = 2001
	fuzzStranger = 3001
)

// fuzzGuarded are the tables an update from someone who neither consented
// nor is staff must leave as they are (their whole content is compared).
var fuzzGuarded = []string{
	"residents", "appeals", "appeal_numbers", "appeal_contacts", "appeal_attachments", "appeal_events",
	"staff", "staff_roles", "invites", "chat_bindings", "cards", "dialogs", "outbox", "staff_actions",
	"deadline_alerts", "staff_summaries",
}

// fuzzSeeds are updates as Telegram sends them, and some it never would.
func fuzzSeeds(group int64) []string {
	msg := func(from, chat int64, chatType, text string) string {
		return fmt.Sprintf(`{"update_id": 1, "message": {"message_id": 7, "date": 1772434800, "from": {"id": %d, "is_bot": false, "first_name": "X"}, "chat": {"id": %d, "type": %q}, "text": %q}}`,
			from, chat, chatType, text)
	}
	cb := func(from, chat int64, chatType, data string) string {
		return fmt.Sprintf(`{"update_id": 1, "callback_query": {"id": "q1", "from": {"id": %d, "is_bot": false, "first_name": "X"}, "chat_instance": "ci", "data": %q, "message": {"message_id": 1, "date": 1772434800, "chat": {"id": %d, "type": %q}}}}`,
			from, data, chat, chatType)
	}
	return []string{
		msg(fuzzStranger, fuzzStranger, "private", "/start"),
		msg(fuzzStranger, fuzzStranger, "private", "/new"),
		msg(fuzzStranger, fuzzStranger, "private", "Во дворе яма"),
		msg(fuzzStranger, fuzzStranger, "private", "/status 2026-000001"),
		msg(fuzzStranger, fuzzStranger, "private", "/start inv_0123456789"),
		msg(fuzzStranger, group, "group", "/bind housing"),
		msg(fuzzStranger, group, "group", "/history 2026-000001"),
		msg(fuzzAlice, fuzzAlice, "private", "/my"),
		msg(fuzzAlice, fuzzAlice, "private", strings.Repeat("я", 5000)),
		cb(fuzzStranger, fuzzStranger, "private", "\fr_wdy|1|1"),
		cb(fuzzStranger, fuzzStranger, "private", "\fr_my|0"),
		cb(fuzzStranger, group, "group", "\ftake|1|2"),
		cb(fuzzStranger, group, "group", "\fzz_not_ours|1"),
		cb(fuzzStranger, group, "group", "not ours at all"),
		cb(fuzzStranger, fuzzStranger, "private", "\f"),
		cb(fuzzAlice, fuzzAlice, "private", "\fr_show|1"),
		cb(fuzzCurator, group, "group", "\ftake|1|99"),
		`{"update_id": 1, "callback_query": {"id": "q2", "from": {"id": 3001, "first_name": "X"}, "data": "\fr_wd|1"}}`,
		`{"update_id": 1, "message": {"message_id": 1, "text": "/start"}}`,
		`{"update_id": 1, "message": {"message_id": 1, "chat": {"id": 3001, "type": "private"}, "text": "/new"}}`,
		`{"update_id": 1, "edited_message": {"message_id": 1, "from": {"id": 3001}, "chat": {"id": 3001, "type": "private"}, "text": "x"}}`,
		`{"update_id": 1, "channel_post": {"message_id": 1, "chat": {"id": -100, "type": "channel"}, "text": "/start"}}`,
		`{"update_id": 1, "my_chat_member": {"chat": {"id": -5, "type": "group"}, "from": {"id": 3001}, "date": 1, "old_chat_member": {"status": "left", "user": {"id": 1}}, "new_chat_member": {"status": "member", "user": {"id": 1}}}}`,
		`{"update_id": 1, "message": {"message_id": 1, "from": {"id": 3001}, "chat": {"id": -5, "type": "group"}, "migrate_to_chat_id": -1005}}`,
		`{"update_id": 1, "message": {"message_id": 1, "from": {"id": 3001}, "chat": {"id": 3001, "type": "private"}, "photo": [], "caption": "/new"}}`,
		`{"update_id": 1, "message": {"message_id": 1, "from": {"id": 3001}, "chat": {"id": 3001, "type": "private"}, "location": {"latitude": 999, "longitude": -999}}}`,
		`{"update_id": 1, "message": {"message_id": 1, "from": {"id": 3001}, "chat": {"id": 3001, "type": "private"}, "contact": {"phone_number": "", "user_id": 1001}}}`,
		`{"update_id": 1, "message": {"message_id": 1, "from": {"id": 3001}, "chat": {"id": 3001, "type": "private"}, "text": "/status", "reply_to_message": {"message_id": 2, "chat": {"id": 3001, "type": "private"}}}}`,
		`{"update_id": 1, "inline_query": {"id": "i", "from": {"id": 3001}, "query": "x"}}`,
		`{"update_id": 1, "poll_answer": {"poll_id": "p", "option_ids": [0]}}`,
		`{"update_id": 1, "message_reaction": {"chat": {"id": 3001, "type": "private"}}}`,
		`{"update_id": 1, "some_future_kind": {"x": [1, 2, {"y": null}]}}`,
		`{"update_id": 1, "message": null, "callback_query": null}`,
		`{"update_id": 1}`,
		`{"update_id": -5, "message": {}}`,
		`{"update_id": 1e3}`,
		`{"update_id": "1"}`,
		`{"update_id": 1, "message": {"message_id": "x"}}`,
		`{"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1e40}}}`,
		`[]`, `null`, `{`, ``, "\xff\xfe", `{"update_id": 1, "message": {"text": "\ud800"}}`,
	}
}

// FuzzUpdateDispatch feeds what could arrive from Telegram — malformed
// JSON, huge fields, unknown update kinds, callback data not ours, forged
// presses — to the transport's decoding and then, if it decodes, to the
// bot's dispatch (handlers and all, against the Telegram test server and
// a real database). Nothing may panic, and an update from someone who
// neither consented nor is staff changes nothing but, at most, their own
// consent.
//
//	go test -run '^$' -fuzz FuzzUpdateDispatch -fuzztime 5s ./bot
func FuzzUpdateDispatch(f *testing.F) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, moscow)
	clock := func() time.Time { return now }
	srv := telegramtest.MustNew(f, telegramtest.Options{GroupPrivacy: true, Now: clock, Logf: func(string, ...any) {}})
	for _, id := range []int64{fuzzAlice, fuzzStranger} {
		srv.OpenPrivateChat(srv.AddUser(telegramtest.User{ID: id, FirstName: "Житель"}))
	}
	srv.AddUser(telegramtest.User{ID: fuzzCurator, FirstName: "Куратор"})
	group := srv.NewGroup("ЖКХ")
	db := dbtest.New(f)
	ctx := context.Background()
	svc := &workflow.Service{Store: db, Calendar: workflow.NewCalendar(nil, nil), Location: moscow, Now: clock,
		Logger: slog.New(slog.DiscardHandler)}
	dbtest.Exec(f, db, `INSERT INTO residents (telegram_user_id, chat_id, consent_at) VALUES ($1, $1, now())`, fuzzAlice)
	dbtest.Exec(f, db, `INSERT INTO chat_bindings (chat_id, purpose, direction, bound_by) VALUES ($1, 'direction', 'housing', 1)`, group.ID)
	if err := db.GrantRole(ctx, fuzzCurator, "Куратор", workflow.Grant{Role: workflow.RoleCurator, Direction: "housing"}, 0); err != nil {
		f.Fatal(err)
	}
	var residentID int64
	if err := db.Pool().QueryRow(ctx, `SELECT id FROM residents WHERE telegram_user_id = $1`, fuzzAlice).Scan(&residentID); err != nil {
		f.Fatal(err)
	}
	if _, err := svc.Submit(ctx, workflow.Resident(fuzzAlice), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing",
		ResidentID: residentID, Text: "Во дворе дома 5 не вывозят мусор третью неделю",
	}); err != nil {
		f.Fatal(err)
	}
	b, err := bot.New(bot.Options{
		Token: srv.Token, APIURL: srv.URL, Service: svc, Store: db, Location: moscow, Now: clock,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		f.Fatal(err)
	}
	tg := b.Telegram()

	for _, s := range fuzzSeeds(group.ID) {
		f.Add([]byte(s))
	}
	nextID := 0
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, err := transport.DecodeUpdate(raw)
		if err != nil {
			return
		}
		nextID++
		u.ID = nextID // an id seen before would be skipped as processed
		sender := tg.NewContext(u).Sender()
		guarded := sender == nil || (sender.ID != fuzzAlice && sender.ID != fuzzCurator)
		dbtest.Exec(t, db, `DELETE FROM outbox WHERE kind = 'reply'`)
		before := fuzzSnapshot(t, db)
		began := time.Now()
		tg.ProcessUpdate(u)
		if took := time.Since(began); took > 20*time.Second {
			t.Errorf("handling took %v:\n%s", took, raw)
		}
		if !guarded {
			return
		}
		// Replies go to the sender's chat only.
		var elsewhere int
		chat := tg.NewContext(u).Chat()
		if chat != nil {
			err := db.Pool().QueryRow(context.Background(),
				`SELECT count(*) FROM outbox WHERE kind = 'reply' AND chat_id <> $1`, chat.ID).Scan(&elsewhere)
			if err != nil {
				t.Fatal(err)
			}
		}
		if elsewhere > 0 {
			t.Errorf("an update from %v (neither consented nor staff) was answered in another chat:\n%s", sender, raw)
		}

		after := fuzzSnapshot(t, db)
		consented := false
		if sender != nil && u.Callback != nil && strings.HasPrefix(u.Callback.Data, "\fr_consent") {
			// Their own consent is theirs to give: undo it for the
			// next input, and compare the rest.
			dbtest.Exec(t, db, `DELETE FROM dialogs WHERE user_id = $1`, sender.ID)
			dbtest.Exec(t, db, `DELETE FROM residents WHERE telegram_user_id = $1`, sender.ID)
			consented = true
		}
		for _, table := range fuzzGuarded {
			if consented && (table == "residents" || table == "dialogs") {
				continue
			}
			if before[table] != after[table] {
				t.Errorf("an update from %v (neither consented nor staff) changed %s:\n%s", sender, table, raw)
			}
		}
	})
}

// fuzzSnapshot returns a digest of each guarded table's content.
func fuzzSnapshot(t *testing.T, db *storage.DB) map[string]string {
	t.Helper()
	out := make(map[string]string, len(fuzzGuarded))
	for _, table := range fuzzGuarded {
		var sum string
		where := ""
		if table == "outbox" {
			// The bot answers anyone (asking for consent, say); what it
			// must not do is tell anyone anything else.
			where = ` WHERE kind <> 'reply'`
		}
		q := fmt.Sprintf(`SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM %s t%s`, table, where)
		if err := db.Pool().QueryRow(context.Background(), q).Scan(&sum); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		out[table] = sum
	}
	return out
}
