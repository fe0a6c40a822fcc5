package telegramtest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/telebot.v3"

	"mcu/internal/telegramtest"
)

// newBot builds a telebot bot against srv: getMe goes to the server.
// Handlers run synchronously, so that Stop (in cleanup, before the server
// closes) leaves nothing running.
func newBot(t *testing.T, srv *telegramtest.Server) *telebot.Bot {
	t.Helper()
	bot, err := telebot.NewBot(telebot.Settings{
		URL:         srv.URL,
		Token:       srv.Token,
		Poller:      &telebot.LongPoller{Timeout: time.Second},
		Synchronous: true,
		OnError: func(err error, c telebot.Context) {
			if errors.Is(err, context.Canceled) {
				return // a request cut short by Stop
			}
			if c != nil {
				t.Logf("bot handler (update %d %q): %v", c.Update().ID, c.Text(), err)
			} else {
				t.Logf("bot: %v", err)
			}
		},
	})
	if err != nil {
		t.Fatalf("NewBot: %v", err)
	}
	return bot
}

func start(t *testing.T, srv *telegramtest.Server, bot *telebot.Bot) {
	go bot.Start()
	t.Cleanup(func() {
		srv.EndLongPolls()
		bot.Stop()
	})
}

// TestTelebotConversation drives a real telebot bot through /start, an
// inline button, a force-reply prompt and the user's reply, and checks what
// the user sees.
func TestTelebotConversation(t *testing.T) {
	t.Parallel()
	srv := telegramtest.MustNew(t, telegramtest.Options{})
	bot := newBot(t, srv)
	if bot.Me.Username != "mcu_test_bot" || bot.Me.ID != srv.Bot.ID {
		t.Fatalf("getMe: %+v", bot.Me)
	}

	menu := &telebot.ReplyMarkup{}
	btnNew := menu.Data("Новое обращение", "new")
	menu.Inline(menu.Row(btnNew))
	bot.Handle("/start", func(c telebot.Context) error {
		return c.Send("Здравствуйте! Это бот МЦУ.", menu)
	})
	bot.Handle(&btnNew, func(c telebot.Context) error {
		if err := c.Respond(&telebot.CallbackResponse{Text: "Начинаем"}); err != nil {
			return err
		}
		return c.Send("Опишите проблему ответом на это сообщение.", &telebot.ReplyMarkup{ForceReply: true, Placeholder: "Текст обращения"})
	})
	bot.Handle(telebot.OnText, func(c telebot.Context) error {
		m := c.Message()
		if m.ReplyTo == nil || !strings.HasPrefix(m.ReplyTo.Text, "Опишите проблему") {
			return c.Send("Нажмите /start")
		}
		return c.Reply("Вы написали: " + m.Text)
	})
	start(t, srv, bot)

	alice := srv.NewUser("Алиса")
	hello := srv.SendText(alice, "/start")
	greeting := srv.MustWaitSent(t, telegramtest.After(hello))
	if greeting.Text != "Здравствуйте! Это бот МЦУ." || cmp.Diff([][]string{{"Новое обращение"}}, greeting.ButtonTexts()) != "" {
		t.Fatalf("greeting: %v", greeting)
	}

	q := srv.MustPress(t, alice, greeting, "Новое обращение")
	if answer := srv.MustCallbackAnswer(t, q.ID); answer.Text != "Начинаем" || answer.ShowAlert {
		t.Errorf("callback answer: %+v", answer)
	}
	prompt := srv.MustWaitSent(t, telegramtest.After(greeting))
	if !prompt.ForceReply || prompt.Placeholder != "Текст обращения" {
		t.Fatalf("prompt: %v (force_reply %v)", prompt, prompt.ForceReply)
	}

	reply := srv.Reply(alice, prompt, "Во дворе дома 5 яма")
	echo := srv.MustWaitSent(t, telegramtest.After(reply))
	if echo.Text != "Вы написали: Во дворе дома 5 яма" || echo.ReplyToMessage == nil || echo.ReplyToMessage.MessageID != reply.MessageID {
		t.Errorf("echo: %v", echo)
	}

	var seen []string
	for _, m := range srv.History(alice.ID) {
		seen = append(seen, m.Text)
	}
	want := []string{"/start", "Здравствуйте! Это бот МЦУ.", "Опишите проблему ответом на это сообщение.", "Во дворе дома 5 яма", "Вы написали: Во дворе дома 5 яма"}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("the chat as Алиса sees it (-want +got):\n%s", diff)
	}
}

func TestTelebotEdits(t *testing.T) {
	t.Parallel()
	srv := telegramtest.MustNew(t, telegramtest.Options{})
	bot := newBot(t, srv)
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "/start")
	to := telebot.ChatID(alice.ID)

	markup := func(label string) *telebot.ReplyMarkup {
		m := &telebot.ReplyMarkup{}
		m.Inline(m.Row(m.Data(label, "act", "2026-000017")))
		return m
	}
	card, err := bot.Send(to, "Обращение 2026-000017: зарегистрировано", markup("Взять в работу"))
	if err != nil {
		t.Fatal(err)
	}
	edited, err := bot.Edit(card, "Обращение 2026-000017: в работе", markup("Подготовить ответ"))
	if err != nil {
		t.Fatal(err)
	}
	cur := srv.MustMessage(t, alice.ID, card.ID)
	if cur.Text != "Обращение 2026-000017: в работе" || cmp.Diff([][]string{{"Подготовить ответ"}}, cur.ButtonTexts()) != "" {
		t.Errorf("after edit: %v", cur)
	}
	if b, _ := cur.Button("Подготовить ответ"); b.CallbackData != "\fact|2026-000017" {
		t.Errorf("callback data %q", b.CallbackData)
	}

	// Telegram's "not modified" description is the long one, which telebot
	// maps to ErrSameMessageContent (not ErrMessageNotModified).
	_, err = bot.Edit(edited, "Обращение 2026-000017: в работе", markup("Подготовить ответ"))
	if !errors.Is(err, telebot.ErrSameMessageContent) {
		t.Errorf("identical edit: %v", err)
	}
	if _, err := bot.EditReplyMarkup(edited, nil); err != nil {
		t.Fatal(err)
	}
	if cur := srv.MustMessage(t, alice.ID, card.ID); cur.ReplyMarkup != nil {
		t.Errorf("keyboard not removed: %v", cur)
	}
	if err := bot.Delete(card); err != nil {
		t.Fatal(err)
	}
	if err := bot.Delete(card); !errors.Is(err, telebot.ErrNotFoundToDelete) {
		t.Errorf("second delete: %v", err)
	}
	if _, err := bot.Edit(card, "x"); err == nil || !strings.Contains(err.Error(), "message to edit not found") {
		t.Errorf("edit of a deleted message: %v", err)
	}
}

func TestTelebotErrors(t *testing.T) {
	t.Parallel()
	srv := telegramtest.MustNew(t, telegramtest.Options{})
	bot := newBot(t, srv)
	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "/start")
	to := telebot.ChatID(alice.ID)

	t.Run("flood", func(t *testing.T) {
		srv.FloodNext("sendMessage", 1, 3)
		_, err := bot.Send(to, "x")
		var flood telebot.FloodError
		if !errors.As(err, &flood) || flood.RetryAfter != 3 {
			t.Fatalf("got %v (%T)", err, err)
		}
		if _, err := bot.Send(to, "после паузы"); err != nil {
			t.Fatalf("after the flood: %v", err)
		}
	})
	t.Run("blocked", func(t *testing.T) {
		srv.Block(alice.ID)
		defer srv.Unblock(alice.ID)
		if _, err := bot.Send(to, "x"); !errors.Is(err, telebot.ErrBlockedByUser) {
			t.Fatalf("got %v", err)
		}
		if err := bot.Notify(to, telebot.Typing); !errors.Is(err, telebot.ErrBlockedByUser) {
			t.Fatalf("chat action: %v", err)
		}
	})
	t.Run("forbidden fault", func(t *testing.T) {
		srv.FailNext("sendMessage", 1, 403)
		if _, err := bot.Send(to, "x"); !errors.Is(err, telebot.ErrBlockedByUser) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("internal error", func(t *testing.T) {
		srv.FailNext("sendMessage", 1, 500)
		if _, err := bot.Send(to, "x"); !errors.Is(err, telebot.ErrInternal) {
			t.Fatalf("got %v", err)
		}
		srv.FailNext("", 1, 502)
		if _, err := bot.Send(to, "x"); err == nil || !strings.Contains(err.Error(), "Bad Gateway (502)") {
			t.Fatalf("502: %v", err)
		}
	})
	t.Run("slow answer", func(t *testing.T) {
		srv.DelayNext("sendMessage", 1, 200*time.Millisecond)
		start := time.Now()
		if _, err := bot.Send(to, "медленно"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 200*time.Millisecond {
			t.Errorf("answered after %v", d)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		stranger := srv.NewUser("Незнакомец")
		long := &telebot.ReplyMarkup{}
		long.Inline(long.Row(long.Data("x", "unique", strings.Repeat("9", 60))))
		cases := []struct {
			name string
			err  error
			want error
		}{
			{"unknown chat", send(bot, telebot.ChatID(12345), "x"), telebot.ErrChatNotFound},
			{"never started", send(bot, telebot.ChatID(stranger.ID), "x"), telebot.ErrNotStartedByUser},
			{"long callback data", send(bot, to, "x", long), telebot.ErrBadButtonData},
			{"long text", send(bot, to, strings.Repeat("ы", 4097)), telebot.ErrTooLongMessage},
		}
		for _, c := range cases {
			if !errors.Is(c.err, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, c.err, c.want)
			}
		}
		if err := send(bot, to, ""); err == nil || !strings.Contains(err.Error(), "message text is empty") {
			t.Errorf("empty text: %v", err)
		}
		if err := bot.Respond(&telebot.Callback{ID: "404"}); !errors.Is(err, telebot.ErrQueryTooOld) {
			t.Errorf("unknown callback: %v", err)
		}
	})
	t.Run("migrated group", func(t *testing.T) {
		group := srv.NewGroup("ЖКХ")
		sg := srv.MigrateChat(alice, group)
		_, err := bot.Send(telebot.ChatID(group.ID), "x")
		var migrated telebot.GroupError
		if !errors.As(err, &migrated) || migrated.MigratedTo != sg.ID {
			t.Fatalf("got %v (%T)", err, err)
		}
	})
}

func imageOf(w, h int) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	return img
}

func send(bot *telebot.Bot, to telebot.Recipient, what any, opts ...any) error {
	_, err := bot.Send(to, what, opts...)
	return err
}

// TestTelebotReceivesMedia checks that telebot parses every kind of update
// the server produces.
func TestTelebotReceivesMedia(t *testing.T) {
	t.Parallel()
	srv := telegramtest.MustNew(t, telegramtest.Options{})
	bot := newBot(t, srv)
	// The bot reports what it understood to a log group.
	logChat := srv.NewGroup("log")
	report := func(format string, args ...any) error {
		_, err := bot.Send(telebot.ChatID(logChat.ID), fmt.Sprintf(format, args...))
		return err
	}
	bot.Handle(telebot.OnPhoto, func(c telebot.Context) error {
		m := c.Message()
		rc, err := bot.File(&m.Photo.File)
		if err != nil {
			return err
		}
		defer rc.Close()
		img, err := jpeg.Decode(rc)
		if err != nil {
			return err
		}
		return report("photo %s %dx%d album=%q caption=%q", m.Photo.FileID, img.Bounds().Dx(), img.Bounds().Dy(), m.AlbumID, m.Caption)
	})
	bot.Handle(telebot.OnLocation, func(c telebot.Context) error {
		return report("location %.4f %.4f", c.Message().Location.Lat, c.Message().Location.Lng)
	})
	bot.Handle(telebot.OnContact, func(c telebot.Context) error {
		ct := c.Message().Contact
		return report("contact %s own=%v", ct.PhoneNumber, ct.UserID == c.Sender().ID)
	})
	bot.Handle(telebot.OnSticker, func(c telebot.Context) error { return report("sticker %s", c.Message().Sticker.Emoji) })
	bot.Handle(telebot.OnVoice, func(c telebot.Context) error { return report("voice %ds", c.Message().Voice.Duration) })
	bot.Handle(telebot.OnDocument, func(c telebot.Context) error {
		rc, err := bot.File(&c.Message().Document.File)
		if err != nil {
			return err
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			return err
		}
		return report("document %s %q", c.Message().Document.FileName, data)
	})
	bot.Handle(telebot.OnText, func(c telebot.Context) error {
		m := c.Message()
		return report("text %q chat=%s topic=%d/%v", m.Text, m.Chat.Type, m.ThreadID, m.TopicMessage)
	})
	bot.Handle(telebot.OnMigration, func(c telebot.Context) error {
		from, to := c.Migration()
		return report("migration %d→%d", from, to)
	})
	start(t, srv, bot)

	alice := srv.NewUser("Алиса")
	photo := srv.SendPhoto(alice, "яма")
	album := srv.SendAlbum(alice, 2, "до и после")
	srv.SendLocation(alice, 59.1178, 28.0881)
	srv.SendContact(alice, "+79990001122")
	srv.SendSticker(alice, "👍")
	srv.SendVoice(alice, 7)
	srv.SendDocument(alice, "акт.txt", []byte("акт выполненных работ"))
	forum := srv.NewSupergroup("МЦУ", true)
	topic := srv.AddTopic(forum, "ЖКХ")
	srv.SendText(alice, "в топике", telegramtest.In(forum), telegramtest.InTopic(topic))
	group := srv.NewGroup("Старая группа")
	sg := srv.MigrateChat(alice, group)

	want := []string{
		fmt.Sprintf("photo %s 800x600 album=\"\" caption=\"яма\"", photo.Photo[2].FileID),
		fmt.Sprintf("photo %s 800x600 album=%q caption=\"до и после\"", album[0].Photo[2].FileID, album[0].MediaGroupID),
		fmt.Sprintf("photo %s 800x600 album=%q caption=\"\"", album[1].Photo[2].FileID, album[0].MediaGroupID),
		"location 59.1178 28.0881",
		"contact +79990001122 own=true",
		"sticker 👍",
		"voice 7s",
		`document акт.txt "акт выполненных работ"`,
		fmt.Sprintf("text \"в топике\" chat=supergroup topic=%d/true", topic),
		fmt.Sprintf("migration %d→%d", group.ID, sg.ID),
	}
	var got []string
	for range want {
		m := srv.MustWaitSent(t, telegramtest.All(telegramtest.SentTo(logChat.ID), func(m telegramtest.Message) bool { return m.MessageID > len(got) }))
		got = append(got, m.Text)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("what the bot understood (-want +got):\n%s", diff)
	}
}

func TestTelebotSendsMedia(t *testing.T) {
	t.Parallel()
	srv := telegramtest.MustNew(t, telegramtest.Options{})
	bot := newBot(t, srv)
	alice := srv.NewUser("Алиса")
	userPhoto := srv.SendPhoto(alice, "")
	to := telebot.ChatID(alice.ID)

	var img bytes.Buffer
	if err := jpeg.Encode(&img, imageOf(640, 480), nil); err != nil {
		t.Fatal(err)
	}
	p := &telebot.Photo{File: telebot.FromReader(bytes.NewReader(img.Bytes())), Caption: "Фото после ремонта"}
	m, err := bot.Send(to, p)
	if err != nil {
		t.Fatal(err)
	}
	if m.Photo == nil || m.Photo.Width != 640 || m.Caption != "Фото после ремонта" {
		t.Fatalf("sent photo %+v", m.Photo)
	}
	if data, ok := srv.FileData(m.Photo.FileID); !ok || !bytes.Equal(data, img.Bytes()) {
		t.Error("uploaded bytes not kept")
	}

	msgs, err := bot.SendAlbum(to, telebot.Album{
		&telebot.Photo{File: telebot.FromReader(bytes.NewReader(img.Bytes())), Caption: "альбом"},
		&telebot.Photo{File: telebot.File{FileID: userPhoto.Photo[2].FileID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].AlbumID == "" || msgs[0].AlbumID != msgs[1].AlbumID || msgs[0].Caption != "альбом" {
		t.Errorf("album %+v", msgs)
	}

	doc := &telebot.Document{File: telebot.FromReader(strings.NewReader("PK")), FileName: "отчёт.xlsx", Caption: "Отчёт за май"}
	dm, err := bot.Send(to, doc)
	if err != nil {
		t.Fatal(err)
	}
	if dm.Document == nil || dm.Document.FileName != "отчёт.xlsx" {
		t.Errorf("document %+v", dm.Document)
	}
	if _, err := bot.Send(to, &telebot.Location{Lat: 59.1, Lng: 28.1}); err != nil {
		t.Fatal(err)
	}
	if err := bot.Notify(to, telebot.UploadingPhoto); err != nil {
		t.Fatal(err)
	}
	if err := bot.SetCommands([]telebot.Command{{Text: "start", Description: "Начать"}, {Text: "my", Description: "Мои обращения"}}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Commands(telegramtest.BotCommandScope{}, ""); len(got) != 2 || got[1].Command != "my" {
		t.Errorf("commands %v", got)
	}
	cmds, err := bot.Commands()
	if err != nil || len(cmds) != 2 {
		t.Errorf("getMyCommands: %v %v", cmds, err)
	}
	if sent := srv.Sent(alice.ID); len(sent) != 5 || sent[4].Location == nil {
		t.Errorf("sent %v", sent)
	}
	if c := srv.MustWaitCall(t, "sendChatAction", nil); c.Param("action") != "upload_photo" {
		t.Errorf("chat action %v", c)
	}
}
