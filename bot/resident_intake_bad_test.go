package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"mcu/internal/dbtest"
	"mcu/internal/telegramtest"
)

// Bad input at the description step: each gets its answer, and the
// dialog, the appeals and the outbox stay as they were.
func TestIntakeBadInputIsAnsweredKindly(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	gleb := h.newPlayer("Глеб")
	gleb.startIntake("ЖКХ")
	gleb.send("Во дворе дома 7 сломана детская горка")
	gleb.expect("Записал.")

	const expectDetails = "Я понимаю текст и фото. Опишите, пожалуйста, проблему словами и приложите фото, если есть."
	video := func() telegramtest.Message {
		raw := fmt.Sprintf(`{"message": {"message_id": 9000, "date": %d, "chat": {"id": %d, "type": "private"},
			"from": {"id": %d, "is_bot": false, "first_name": "Глеб"},
			"video": {"file_id": "video-1", "file_unique_id": "v1", "width": 640, "height": 480, "duration": 5}}}`,
			time.Now().Unix(), gleb.u.ID, gleb.u.ID)
		if _, err := h.srv.InjectRawUpdate(json.RawMessage(raw)); err != nil {
			t.Fatal(err)
		}
		return telegramtest.Message{}
	}
	cases := []struct {
		name string
		send func() telegramtest.Message
		want string
	}{
		{"sticker", func() telegramtest.Message { return h.srv.SendSticker(gleb.u, "😡") }, expectDetails},
		{"voice", func() telegramtest.Message { return h.srv.SendVoice(gleb.u, 12) }, expectDetails},
		{"video", video, expectDetails},
		{"file", func() telegramtest.Message { return h.srv.SendDocument(gleb.u, "жалоба.pdf", []byte("%PDF-1.4")) }, expectDetails},
	}
	for _, tc := range cases {
		kind, state, data := h.dialog(gleb.u.ID)
		outbox := h.count(`SELECT count(*) FROM outbox WHERE kind <> 'reply'`)
		before := gleb.seen
		gleb.sent(tc.send())
		got := gleb.expect("")
		if got.Text != tc.want {
			t.Errorf("%s: bot said %q, want %q", tc.name, got.Text, tc.want)
		}
		gleb.sync()
		if n := len(gleb.botMessagesAfter(before, gleb.seen)); n != 2 {
			t.Errorf("%s: %d bot messages, want the answer and /help's", tc.name, n)
		}
		k2, s2, d2 := h.dialog(gleb.u.ID)
		if k2 != kind || s2 != state || !reflect.DeepEqual(d2, data) {
			t.Errorf("%s changed the dialog: %s/%s %v → %s/%s %v", tc.name, kind, state, data, k2, s2, d2)
		}
		if n := h.count(`SELECT count(*) FROM outbox WHERE kind <> 'reply'`); n != outbox {
			t.Errorf("%s: outbox %d → %d", tc.name, outbox, n)
		}
	}
	if n := h.count(`SELECT count(*) FROM appeals`); n != 0 {
		t.Errorf("%d appeals after bad input", n)
	}
}

func TestIntakeAsksForMoreThanOneWord(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	ira := h.newPlayer("Ира")
	ira.startIntake("ЖКХ")
	_, _, data := h.dialog(ira.u.ID)
	for _, text := range []string{"Яма", "   ", "Мусор!"} {
		ira.send(text)
		ira.expectExact("Опишите, пожалуйста, подробнее: что случилось и где. Одного слова мало, чтобы разобраться.")
	}
	if _, state, d := h.dialog(ira.u.ID); state != "details" || !reflect.DeepEqual(d, data) {
		t.Errorf("one-word texts changed the dialog: %s %v", state, d)
	}
	// «Дальше» without a description is refused too.
	ira.send("Яма на дороге у школы")
	next := ira.expect("Записал.")
	dbtest.Exec(t, h.db, `UPDATE dialogs SET data = jsonb_set(data, '{text}', '""') WHERE user_id = $1`, ira.u.ID)
	if a := ira.press(next, "Дальше"); a.Text != "Сначала опишите проблему словами." {
		t.Errorf("«Дальше» without text answered %q", a.Text)
	}
}

func TestIntakeKeepsLongTextWhole(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	kira := h.newPlayer("Кира")
	kira.startIntake("Внутренняя политика")
	long := strings.TrimSpace(strings.Repeat("Очень длинное описание проблемы. ", 160)) // 5 279 characters
	if n := utf8.RuneCountInString(long); n <= 4096 {
		t.Fatalf("text of %d characters is not long", n)
	}
	kira.send(long)
	saved := kira.expect("Записал.")
	kira.press(saved, "Дальше")
	// Too long for one message: the summary comes in parts, the buttons
	// under the last, and the pressed message loses its own.
	first := kira.expect("Проверьте, всё ли верно:")
	confirm := kira.expect("Всё верно?")
	if got := kira.h.srv.MustMessage(t, saved.Chat.ID, saved.MessageID).ButtonTexts(); len(got) != 0 {
		t.Errorf("«Записал.» kept its buttons %q", got)
	}
	parts := kira.botMessagesAfter(first.MessageID-1, confirm.MessageID)
	if len(parts) < 2 {
		t.Fatalf("summary of a long text came in %d message(s), want it split", len(parts))
	}
	for _, p := range parts {
		if n := utf8.RuneCountInString(p.Text); n > 4096 {
			t.Errorf("summary part of %d characters", n)
		}
	}
	kira.press(confirm, "Отправить")
	kira.expectIn(confirm, "Сообщение зарегистрировано, № 2026-000001")
	a, err := h.db.FindAppealByNumber(context.Background(), "2026-000001")
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != long {
		t.Errorf("stored text of %d characters, want %d", utf8.RuneCountInString(a.Text), utf8.RuneCountInString(long))
	}
}

func TestIntakeButtonsPressedTwiceChangeNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	lev := h.newPlayer("Лев")
	lev.consent()
	lev.send("/new")
	dirs := lev.expect("Выберите направление")
	housing, _ := dirs.Button("ЖКХ")
	lev.press(dirs, "ЖКХ")
	lev.expectIn(dirs, "Опишите проблему")
	if a := lev.pressData(dirs, housing.CallbackData); a.Text != "Эта кнопка уже не действует." {
		t.Errorf("second press of a direction answered %q", a.Text)
	}
	if _, state, _ := h.dialog(lev.u.ID); state != "details" {
		t.Errorf("dialog at %q after an old button", state)
	}
	lev.send("Сломан светофор на перекрёстке Ленина и Мира")
	saved := lev.expect("Записал.")
	lev.press(saved, "Дальше")
	confirm := lev.expectIn(saved, "Всё верно?")
	submit, _ := confirm.Button("Отправить")
	lev.press(confirm, "Отправить")
	lev.expectIn(confirm, "Сообщение зарегистрировано, № 2026-000001")
	if a := lev.pressData(confirm, submit.CallbackData); a.Text != "Эта кнопка уже не действует." {
		t.Errorf("second «Отправить» answered %q", a.Text)
	}
	lev.sync()
	if n := h.count(`SELECT count(*) FROM appeals`); n != 1 {
		t.Errorf("%d appeals after pressing «Отправить» twice", n)
	}
	// A forged button of no dialog at all.
	if a := lev.pressData(confirm, "\fr_in|1.2|confirm|submit"); a.Text != "Эта кнопка уже не действует." {
		t.Errorf("forged button answered %q", a.Text)
	}
}

func TestIntakeFloodIsRefusedPolitely(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{AppealsPerHour: 2})
	masha := h.newPlayer("Маша")
	masha.consent()
	h.submitFor(masha.u, "housing", "Первое сообщение о мусоре во дворе")
	h.submitFor(masha.u, "housing", "Второе сообщение о мусоре во дворе")
	masha.expect("№ 2026-000002")
	// /new says so at once.
	masha.send("/new")
	masha.expectExact("Вы уже отправили 2 сообщения за час — это предел, чтобы бот успевал за всеми. " +
		"Новое сообщение можно будет отправить после 11:00.")
	if kind, _, _ := h.dialog(masha.u.ID); kind != "" {
		t.Errorf("dialog %q started over the limit", kind)
	}
	// A text written anyway is kept, and refused at «Отправить».
	masha.send("Третье сообщение о мусоре во дворе")
	prompt := masha.expect("Описание сохранено")
	masha.press(prompt, "ЖКХ")
	masha.press(masha.expectIn(prompt, "Записал."), "Дальше")
	confirm := masha.expectIn(prompt, "Всё верно?")
	outbox := h.count(`SELECT count(*) FROM outbox WHERE kind <> 'reply'`)
	masha.press(confirm, "Отправить")
	masha.expectExact("Вы уже отправили 2 сообщения за час — это предел, чтобы бот успевал за всеми. " +
		"Новое сообщение можно будет отправить после 11:00. Ваше сообщение сохранено: нажмите «Отправить» позже.")
	if n := h.count(`SELECT count(*) FROM appeals`); n != 2 {
		t.Errorf("%d appeals after a refusal, want 2", n)
	}
	if n := h.count(`SELECT count(*) FROM outbox WHERE kind <> 'reply'`); n != outbox {
		t.Errorf("outbox %d → %d after a refusal", outbox, n)
	}
	if _, state, _ := h.dialog(masha.u.ID); state != "confirm" {
		t.Errorf("dialog at %q after a refusal, want it kept at confirm", state)
	}
	h.advance(time.Hour + time.Minute) // «после 11:00»
	masha.press(masha.h.srv.MustMessage(t, confirm.Chat.ID, confirm.MessageID), "Отправить")
	masha.expectIn(confirm, "Сообщение зарегистрировано, № 2026-000003")
	if n := h.count(`SELECT count(*) FROM appeals WHERE resident_id IS NOT NULL`); n != 3 {
		t.Errorf("%d appeals, want 3", n)
	}
}

func TestResidentCommandsInGroupAreIgnored(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	nina := h.newPlayer("Нина")
	nina.consent()
	group := h.srv.NewGroup("Соседи")
	for _, cmd := range []string{"/new", "/my", "/status 2026-000001", "/start", "/cancel", "/new@mcu_test_bot"} {
		h.srv.SendText(nina.u, cmd, telegramtest.In(group))
	}
	// A button pressed in the group after them: answered once they are done.
	q := h.srv.PressData(nina.u, telegramtest.Message{MessageID: 1, Chat: group}, "\fr_my|0")
	h.srv.MustCallbackAnswer(t, q.ID)
	if sent := h.srv.Sent(group.ID); len(sent) != 0 {
		t.Errorf("the bot answered in the group: %v", sent)
	}
	if kind, _, _ := h.dialog(nina.u.ID); kind != "" {
		t.Errorf("a dialog %q was started from the group", kind)
	}
}
