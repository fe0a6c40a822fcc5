package telegramtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"time"

	"gopkg.in/telebot.v3"

	"mcu/internal/telegramtest"
)

// The server from the bot's side: plain Bot API calls.
func Example() {
	srv, err := telegramtest.New(telegramtest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	alice := srv.NewUser("Алиса")
	srv.SendText(alice, "/start")

	resp, err := http.Get(srv.URL + "/bot" + srv.Token + "/getUpdates?offset=0")
	if err != nil {
		log.Fatal(err)
	}
	var updates struct {
		Result []telegramtest.Update `json:"result"`
	}
	err = json.NewDecoder(resp.Body).Decode(&updates)
	resp.Body.Close()
	if err != nil {
		log.Fatal(err)
	}
	u := updates.Result[0]
	fmt.Println(u.UpdateID, u.Message.From.FirstName, u.Message.Text)

	resp, err = http.PostForm(srv.URL+"/bot"+srv.Token+"/sendMessage", url.Values{
		"chat_id":    {fmt.Sprint(alice.ID)},
		"text":       {"<b>Здравствуйте!</b>"},
		"parse_mode": {"HTML"},
	})
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	m, _ := srv.LastSent(alice.ID)
	fmt.Println(m.Text)
	// Output:
	// 1 Алиса /start
	// Здравствуйте!
}

// A telebot bot against the server: the user presses a button and the test
// sees the bot's answer and the edited message.
func Example_telebot() {
	srv, err := telegramtest.New(telegramtest.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	bot, err := telebot.NewBot(telebot.Settings{
		URL:         srv.URL,
		Token:       srv.Token,
		Poller:      &telebot.LongPoller{Timeout: 10 * time.Second},
		Synchronous: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	menu := &telebot.ReplyMarkup{}
	take := menu.Data("Взять в работу", "take", "2026-000017")
	menu.Inline(menu.Row(take))
	bot.Handle("/card", func(c telebot.Context) error {
		return c.Send("Обращение 2026-000017: зарегистрировано", menu)
	})
	bot.Handle(&take, func(c telebot.Context) error {
		if err := c.Respond(&telebot.CallbackResponse{Text: "Взято"}); err != nil {
			return err
		}
		return c.Edit("Обращение " + c.Data() + ": в работе")
	})
	go bot.Start()
	defer func() {
		srv.EndLongPolls()
		bot.Stop()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	curator := srv.NewUser("Куратор")
	cmd := srv.SendText(curator, "/card")
	card, err := srv.WaitSent(ctx, telegramtest.After(cmd))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(card.Text, card.ButtonTexts())

	q, err := srv.Press(curator, card, "Взять в работу")
	if err != nil {
		log.Fatal(err)
	}
	answer, err := srv.WaitCallbackAnswer(ctx, q.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(answer.Text)
	edited, err := srv.WaitMessage(ctx, telegramtest.Contains("в работе"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(edited.Text, edited.ButtonTexts())
	// Output:
	// Обращение 2026-000017: зарегистрировано [[Взять в работу]]
	// Взято
	// Обращение 2026-000017: в работе []
}
