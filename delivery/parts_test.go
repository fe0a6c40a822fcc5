package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mcu/delivery"
	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
	"mcu/outbox"
	"mcu/storage"
	"mcu/workflow"
)

// photos has Алиса send n photos to the bot and returns them as an
// appeal's attachments.
func (f *fixture) photos(n int) []workflow.Attachment {
	f.t.Helper()
	var out []workflow.Attachment
	for _, m := range f.srv.SendAlbum(f.alice, n, "") {
		p := m.Photo[len(m.Photo)-1]
		out = append(out, workflow.Attachment{Kind: "photo", FileID: p.FileID, FileUniqueID: p.FileUniqueID})
	}
	return out
}

// document has Алиса send a document to the bot and returns it as an
// attachment.
func (f *fixture) document(name string) workflow.Attachment {
	f.t.Helper()
	m := f.srv.SendDocument(f.alice, name, []byte("акт осмотра"))
	return workflow.Attachment{Kind: "document", FileID: m.Document.FileID, FileUniqueID: m.Document.FileUniqueID}
}

// submitWith has Алиса submit an appeal to housing with files and a
// location.
func (f *fixture) submitWith(text string, files []workflow.Attachment, loc *workflow.Location) *workflow.Appeal {
	f.t.Helper()
	a, err := f.svc.Submit(context.Background(), workflow.Resident(f.alice.ID), workflow.NewAppeal{
		Kind: workflow.KindMessage, Source: workflow.SourceBot, Direction: "housing",
		ResidentID: f.residentID, Text: text, Attachments: files, Location: loc,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// kinds describes what a chat received, in order: photo, document,
// location, or the first words of a text.
func kinds(msgs []telegramtest.Message) []string {
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		switch {
		case len(m.Photo) > 0:
			out = append(out, "photo")
		case m.Document != nil:
			out = append(out, "document")
		case m.Location != nil:
			out = append(out, "location")
		default:
			out = append(out, "text "+appealNumber.FindString(m.Text))
		}
	}
	return out
}

// callCount counts the calls of method to a chat answered with status.
func (f *fixture) callCount(method string, chatID int64, status int) int {
	n := 0
	for _, c := range f.srv.CallsOf(method) {
		if c.ChatID() == chatID && c.Status == status {
			n++
		}
	}
	return n
}

// outboxRow is what the outbox keeps of the card of an appeal in a chat.
func (f *fixture) outboxRow(t *testing.T, where string, args ...any) (sent bool, lastError string, parts map[string]outbox.Part) {
	t.Helper()
	var raw []byte
	err := f.db.Pool().QueryRow(context.Background(),
		`SELECT sent_at IS NOT NULL, last_error, parts FROM outbox WHERE `+where, args...).Scan(&sent, &lastError, &raw)
	if err != nil {
		t.Fatalf("outbox row %s: %v", where, err)
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		t.Fatal(err)
	}
	return sent, lastError, parts
}

// TestCardResumesAtThePinAfterA429: Telegram accepts the album, then
// answers 429 to the map pin. The retry sends the pin and the card, not
// the album again: the group has each part once, in order, and the card
// replies to the album.
func TestCardResumesAtThePinAfterA429(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	files := f.photos(3)
	f.srv.AddFault(telegramtest.Fault{Method: "sendLocation", ChatID: f.housing.ID, Code: 429, RetryAfter: 1})
	f.submitWith("Упало дерево на детскую площадку", files, &workflow.Location{Latitude: 59.1178, Longitude: 28.0886})
	f.start(delivery.DispatcherOptions{})
	card := f.waitSent(f.housing.ID, "2026-000001")
	f.waitNothingPending(t)

	got := kinds(f.sentTo(f.housing.ID))
	want := []string{"photo", "photo", "photo", "location", "text 2026-000001"}
	if !slices.Equal(got, want) {
		t.Errorf("the housing chat received %q, want %q", got, want)
	}
	if n := f.callCount("sendMediaGroup", f.housing.ID, 200); n != 1 {
		t.Errorf("the album was sent %d times, want once", n)
	}
	if ok, failed := f.callCount("sendLocation", f.housing.ID, 200), f.callCount("sendLocation", f.housing.ID, 429); ok != 1 || failed != 1 {
		t.Errorf("the pin was sent %d times and refused %d times, want 1 and 1", ok, failed)
	}
	var msg telegramtest.Message
	if err := card.Result(&msg); err != nil {
		t.Fatal(err)
	}
	album := f.sentTo(f.housing.ID)[0]
	if msg.ReplyToMessage == nil || msg.ReplyToMessage.MessageID != album.MessageID {
		t.Errorf("the card replies to %+v, want the album's first photo %d", msg.ReplyToMessage, album.MessageID)
	}
	// The card's row remembers the media, so a card sent anew replies to
	// them instead of sending them again.
	var media []int32
	err := f.db.Pool().QueryRow(context.Background(), `SELECT media_ids FROM cards WHERE chat_id = $1`, f.housing.ID).Scan(&media)
	if err != nil || len(media) != 4 || int(media[0]) != album.MessageID {
		t.Errorf("the card remembers media %v (%v), want the 3 photos and the pin", media, err)
	}
}

// TestLongTextResumesAtTheSecondPart: a prepared message of a photo and a
// text of three parts; Telegram answers 429 to the second part of the
// text. The retry sends the second and the third, not the photo nor the
// first part again.
func TestLongTextResumesAtTheSecondPart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	head := f.srv.NewUser("Глава")
	f.srv.OpenPrivateChat(head)
	var b strings.Builder
	for i := range 3 {
		fmt.Fprintf(&b, "Часть %d.\n%s\n", i+1, strings.Repeat("Строка сводки.\n", 260))
	}
	// The first text part goes through (a fault with no code answers
	// normally), the second gets 429.
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: head.ID})
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: head.ID, Code: 429, RetryAfter: 1})
	id, err := f.db.EnqueuePrepared(context.Background(), outbox.Recipient{ChatID: head.ID}, outbox.Prepared{
		File: &outbox.File{Kind: outbox.FilePhoto, Caption: "График", Data: pngOf(t, 400, 300)},
		Text: b.String(),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.start(delivery.DispatcherOptions{})
	f.waitSent(head.ID, "Часть 3.")
	f.waitNothingPending(t)

	var got []string
	for _, m := range f.sentTo(head.ID) {
		switch {
		case len(m.Photo) > 0:
			got = append(got, "photo "+m.Caption)
		default:
			got = append(got, "text "+strings.TrimSpace(m.Text[:strings.Index(m.Text, ".")+1]))
		}
	}
	want := []string{"photo График", "text Часть 1.", "text Часть 2.", "text Часть 3."}
	if !slices.Equal(got, want) {
		t.Errorf("the head received %q, want %q", got, want)
	}
	if got := statuses(f.callsTo(head.ID)); !slices.Equal(got, []int{200, 429, 200, 200}) {
		t.Errorf("text calls to the head answered %v, want the first part, 429 on the second, then the second and third", got)
	}
	if n := f.callCount("sendPhoto", head.ID, 200); n != 1 {
		t.Errorf("the photo was sent %d times, want once", n)
	}
	sent, _, parts := f.outboxRow(t, "id = $1", id)
	if !sent || len(parts) != 4 {
		t.Errorf("the row is sent=%v with parts %v, want sent with file and 3 text parts", sent, parts)
	}
}

// TestRefusedPhotoIsSkipped: Telegram refuses (400) the photo of an
// appeal with a document and a photo. The photo is skipped, its reason
// recorded with the row, and the document, the pin and the card still
// come, once each.
func TestRefusedPhotoIsSkipped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	files := []workflow.Attachment{f.document("акт.pdf"), f.photos(1)[0]}
	f.srv.AddFault(telegramtest.Fault{Method: "sendPhoto", ChatID: f.housing.ID, Code: 400,
		Description: "Bad Request: wrong file identifier/HTTP URL specified"})
	f.submitWith("Разбита витрина остановки", files, &workflow.Location{Latitude: 59.1, Longitude: 28.1})
	f.start(delivery.DispatcherOptions{})
	f.waitSent(f.housing.ID, "2026-000001")
	f.waitNothingPending(t)

	got := kinds(f.sentTo(f.housing.ID))
	want := []string{"document", "location", "text 2026-000001"}
	if !slices.Equal(got, want) {
		t.Errorf("the housing chat received %q, want %q", got, want)
	}
	if n := f.callCount("sendPhoto", f.housing.ID, 400); n != 1 || f.callCount("sendPhoto", f.housing.ID, 200) != 0 {
		t.Errorf("the refused photo was tried %d times, want once and never again", n)
	}
	sent, lastError, parts := f.outboxRow(t, "chat_id = $1", f.housing.ID)
	if !sent || !strings.Contains(lastError, "media/album/0") || !strings.Contains(parts["media/album/0"].Skipped, "wrong file identifier") {
		t.Errorf("the card's row: sent=%v, last_error %q, parts %v; want sent, the skipped photo and its reason recorded", sent, lastError, parts)
	}
}

// TestMigratedGroupFollowedFromTheError: the housing group became a
// supergroup before the bot heard of it. The card's first send fails with
// migrate_to_chat_id; the dispatcher moves the chat's binding and queue
// there and sends the card to the supergroup, instead of retrying the old
// group every second.
func TestMigratedGroupFollowedFromTheError(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	curator := f.srv.NewUser("Куратор")
	super := f.srv.MigrateChat(curator, f.housing)
	f.submit("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	f.submit("Не горит фонарь у дома 7 на ул. Гагарина")
	f.start(delivery.DispatcherOptions{})
	f.waitSent(super.ID, "2026-000002")
	f.waitNothingPending(t)

	if got := numbers(f.sentTo(super.ID)); !slices.Equal(got, []string{"2026-000001", "2026-000002"}) {
		t.Errorf("the supergroup received %v, want both cards in order", got)
	}
	if calls := f.callsTo(f.housing.ID); len(calls) != 1 || calls[0].OK() {
		t.Errorf("the old group was called %d times (%v), want once, refused", len(calls), statuses(calls))
	}
	var bound int64
	err := f.db.Pool().QueryRow(context.Background(), `SELECT chat_id FROM chat_bindings WHERE direction = 'housing'`).Scan(&bound)
	if err != nil || bound != super.ID {
		t.Errorf("housing is bound to %d (%v), want the supergroup %d", bound, err, super.ID)
	}
	var cards int
	err = f.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM cards WHERE chat_id = $1`, super.ID).Scan(&cards)
	if err != nil || cards != 2 {
		t.Errorf("%d cards remembered in the supergroup, want 2", cards)
	}
	var details string
	var at time.Time
	err = f.db.Pool().QueryRow(context.Background(), `SELECT details, at FROM staff_actions WHERE action = $1 AND chat_id = $2`,
		workflow.ActionMigrate, super.ID).Scan(&details, &at)
	if err != nil || !strings.Contains(details, fmt.Sprint(f.housing.ID)) || !at.Equal(f.now) {
		t.Errorf("the move is logged as %q at %v (%v), want from the old group at the dispatcher's clock %v", details, at, err, f.now)
	}
	// The migration update comes after: the bot still hears the
	// supergroup is bound (to say so there), and the move is logged once.
	moved, err := f.db.MigrateChat(context.Background(), f.housing.ID, super.ID, workflow.StaffAction{
		At: f.now, ActorID: curator.ID, Action: workflow.ActionMigrate, ChatID: super.ID, Details: fmt.Sprintf("from %d", f.housing.ID),
	})
	if err != nil || !moved {
		t.Errorf("the migration update after the dispatcher's move: bound %v, %v; want bound", moved, err)
	}
	var moves int
	err = f.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM staff_actions WHERE action = $1`, workflow.ActionMigrate).Scan(&moves)
	if err != nil || moves != 1 {
		t.Errorf("%d moves logged (%v), want 1", moves, err)
	}
}

// TestStaffChatRefusingTheBotAlertsTheAdmins: the bot was removed from
// the housing group (403). The cards are given up, and the admins (a
// bootstrap admin and one with the role) are told in private, once that
// day however many cards fail; Алиса blocking the bot tells them nothing.
func TestStaffChatRefusingTheBotAlertsTheAdmins(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	boot, admin := f.srv.NewUser("Админ"), f.srv.NewUser("Админ2")
	f.srv.OpenPrivateChat(boot)
	f.srv.OpenPrivateChat(admin)
	if err := f.db.GrantRole(context.Background(), admin.ID, "Админ2", workflow.Grant{Role: workflow.RoleAdmin}, 0); err != nil {
		t.Fatal(err)
	}
	f.srv.Block(f.housing.ID)
	f.srv.Block(f.alice.ID) // a resident who blocked the bot is no news for the admins
	f.submit("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	f.submit("Не горит фонарь у дома 7 на ул. Гагарина")
	f.start(delivery.DispatcherOptions{Admins: []int64{boot.ID}})
	f.waitSent(boot.ID, fmt.Sprint(f.housing.ID))
	f.waitSent(admin.ID, fmt.Sprint(f.housing.ID))
	for _, chat := range []int64{f.housing.ID, f.alice.ID} {
		f.srv.MustWaitCall(t, "sendMessage", func(c telegramtest.Call) bool {
			return c.ChatID() == chat && strings.Contains(c.Param("text"), "2026-000002")
		})
	}
	f.waitNothingPending(t)
	for _, u := range []telegramtest.User{boot, admin} {
		if got := len(f.sentTo(u.ID)); got != 1 {
			t.Errorf("admin %s got %d alerts, want 1", u.FirstName, got)
		}
	}
	if calls := f.callsTo(f.housing.ID); len(calls) != 2 {
		t.Errorf("%d calls to the housing group, want its 2 cards, each tried once", len(calls))
	}
}

// waitNothingPending waits until the outbox holds nothing to send.
func (f *fixture) waitNothingPending(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for f.pending(t) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still pending", f.pending(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNoticeWithPhotosResumesAtItsText: Алиса's reply brings two photos
// to the housing chat; Telegram accepts the album and answers 429 to the
// text. The retry sends the text, not the album again.
func TestNoticeWithPhotosResumesAtItsText(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.submit("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	f.start(delivery.DispatcherOptions{})
	f.waitSent(f.housing.ID, "2026-000001")
	f.waitNothingPending(t)

	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: f.housing.ID, Code: 429, RetryAfter: 1})
	files := f.photos(2)
	err := f.db.InTxStore(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		return tx.Enqueue(ctx, workflow.Notification{
			Audience: workflow.AudienceChat, Event: workflow.EventResidentReplied, AppealID: a.ID, Direction: "housing",
			Input: workflow.Input{Text: "Вот фото контейнеров", Attachments: files},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	f.waitSent(f.housing.ID, "Вот фото контейнеров")
	f.waitNothingPending(t)

	got := kinds(f.sentTo(f.housing.ID))
	want := []string{"text 2026-000001", "photo", "photo", "text 2026-000001"}
	if !slices.Equal(got, want) {
		t.Errorf("the housing chat received %q, want %q (the card, the reply's album, its text)", got, want)
	}
	if n := f.callCount("sendMediaGroup", f.housing.ID, 200); n != 1 {
		t.Errorf("the reply's album was sent %d times, want once", n)
	}
}

// TestAnswerDeliveredWithoutARefusedEvidencePhoto: the answer to Алиса
// comes with its evidence, an act and a photo; Telegram refuses the photo
// (400). The photo is skipped with its reason recorded, the act and the
// answer still come, once each, in order.
func TestAnswerDeliveredWithoutARefusedEvidencePhoto(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.submit("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	f.start(delivery.DispatcherOptions{})
	f.waitSent(f.alice.ID, "2026-000001")
	f.waitNothingPending(t)

	evidence := []workflow.Attachment{f.photos(1)[0], f.document("акт.pdf")}
	f.srv.AddFault(telegramtest.Fault{Method: "sendPhoto", ChatID: f.alice.ID, Code: 400,
		Description: "Bad Request: wrong file identifier/HTTP URL specified"})
	f.approve(a, evidence)
	f.waitSent(f.alice.ID, "Мусор вывезен 3 марта")
	f.waitNothingPending(t)

	got := kinds(f.sentTo(f.alice.ID))
	want := []string{"text 2026-000001", "document", "text 2026-000001"}
	if !slices.Equal(got, want) {
		t.Errorf("Алиса received %q, want %q (her registration, the act, the answer)", got, want)
	}
	if n := f.callCount("sendPhoto", f.alice.ID, 400); n != 1 || f.callCount("sendPhoto", f.alice.ID, 200) != 0 {
		t.Errorf("the refused photo was tried %d times, want once and never again", n)
	}
	sent, lastError, parts := f.outboxRow(t, "chat_id = $1 ORDER BY id DESC LIMIT 1", f.alice.ID)
	if !sent || !strings.Contains(parts["evidence/album/0"].Skipped, "wrong file identifier") || !strings.Contains(lastError, "evidence/album/0") {
		t.Errorf("the answer's row: sent=%v, last_error %q, parts %v; want sent, the skipped photo and its reason recorded", sent, lastError, parts)
	}
}

// TestRefusedCardKeepsItsMedia: Telegram refuses the card (400) after
// the appeal's album went through. The album is remembered, so the
// appeal's next card in the chat replies to it instead of sending it
// again.
func TestRefusedCardKeepsItsMedia(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	files := f.photos(2)
	f.srv.AddFault(telegramtest.Fault{Method: "sendMessage", ChatID: f.housing.ID, Code: 400,
		Description: "Bad Request: can't parse entities"})
	a := f.submitWith("Упало дерево на детскую площадку", files, nil)
	f.start(delivery.DispatcherOptions{})
	f.srv.MustWaitCall(t, "sendMessage", func(c telegramtest.Call) bool { return c.ChatID() == f.housing.ID })
	f.waitNothingPending(t)

	err := f.db.InTxStore(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		return tx.Enqueue(ctx, workflow.Notification{Audience: workflow.AudienceCard, Event: workflow.EventTake, AppealID: a.ID, Direction: "housing"})
	})
	if err != nil {
		t.Fatal(err)
	}
	card := f.waitSent(f.housing.ID, "2026-000001")
	f.waitNothingPending(t)

	got := kinds(f.sentTo(f.housing.ID))
	if want := []string{"photo", "photo", "text 2026-000001"}; !slices.Equal(got, want) {
		t.Errorf("the housing chat received %q, want %q (the album once, then the card)", got, want)
	}
	var msg telegramtest.Message
	if err := card.Result(&msg); err != nil {
		t.Fatal(err)
	}
	if album := f.sentTo(f.housing.ID)[0]; msg.ReplyToMessage == nil || msg.ReplyToMessage.MessageID != album.MessageID {
		t.Errorf("the card replies to %+v, want the album %d", msg.ReplyToMessage, album.MessageID)
	}
}

// approve enqueues the answer to Алиса's appeal, with evidence in its
// draft (as submit_draft records it).
func (f *fixture) approve(a *workflow.Appeal, evidence []workflow.Attachment) {
	f.t.Helper()
	payload, err := json.Marshal(workflow.Input{Text: "Мусор вывезен", Attachments: evidence})
	if err != nil {
		f.t.Fatal(err)
	}
	dbtest.Exec(f.t, f.db, `UPDATE appeals SET draft = 'Мусор вывезен', answer = 'Мусор вывезен 3 марта' WHERE id = $1`, a.ID)
	dbtest.Exec(f.t, f.db, `
		INSERT INTO appeal_events (appeal_id, at, actor_kind, event, from_state, to_state, payload)
		VALUES ($1, now(), 'staff', $2, '', '', $3)`, a.ID, workflow.EventSubmitDraft, payload)
	err = f.db.InTxStore(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		return tx.Enqueue(ctx, workflow.Notification{Audience: workflow.AudienceResident, Event: workflow.EventApprove, AppealID: a.ID})
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// TestRefusedEvidenceAlbumGoesPhotoByPhoto: Telegram refuses (400) the
// album of the answer's three evidence photos, one of which is bad. The
// photos go one by one: the bad one is skipped, and after a 429 on the
// third, the retry sends the third and the answer, not the first again.
func TestRefusedEvidenceAlbumGoesPhotoByPhoto(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.submit("Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор")
	f.start(delivery.DispatcherOptions{})
	f.waitSent(f.alice.ID, "2026-000001")
	f.waitNothingPending(t)

	bad := "Bad Request: wrong file identifier/HTTP URL specified"
	f.srv.AddFault(telegramtest.Fault{Method: "sendMediaGroup", ChatID: f.alice.ID, Code: 400, Description: bad})
	f.srv.AddFault(telegramtest.Fault{Method: "sendPhoto", ChatID: f.alice.ID}) // the first goes through
	f.srv.AddFault(telegramtest.Fault{Method: "sendPhoto", ChatID: f.alice.ID, Code: 400, Description: bad})
	f.srv.AddFault(telegramtest.Fault{Method: "sendPhoto", ChatID: f.alice.ID, Code: 429, RetryAfter: 1})
	f.approve(a, f.photos(3))
	f.waitSent(f.alice.ID, "Мусор вывезен 3 марта")
	f.waitNothingPending(t)

	if got, want := kinds(f.sentTo(f.alice.ID)), []string{"text 2026-000001", "photo", "photo", "text 2026-000001"}; !slices.Equal(got, want) {
		t.Errorf("Алиса received %q, want %q (her registration, the good photos, the answer)", got, want)
	}
	var got []int
	for _, c := range f.srv.CallsOf("sendPhoto") {
		if c.ChatID() == f.alice.ID {
			got = append(got, c.Status)
		}
	}
	if want := []int{200, 400, 429, 200}; !slices.Equal(got, want) {
		t.Errorf("photos to Алиса answered %v, want %v", got, want)
	}
	sent, lastError, parts := f.outboxRow(t, "chat_id = $1 ORDER BY id DESC LIMIT 1", f.alice.ID)
	if !sent || parts["evidence/album/0"].Skipped == "" || parts["evidence/album/0/1"].Skipped == "" ||
		len(parts["evidence/album/0/0"].IDs) != 1 || len(parts["evidence/album/0/2"].IDs) != 1 || !strings.Contains(lastError, "evidence/album/0/1") {
		t.Errorf("the answer's row: sent=%v, last_error %q, parts %v", sent, lastError, parts)
	}
}
