// Package telegramtest is a Telegram Bot API server for tests and for
// running the bot with no Telegram at all (mcu demo).
//
// It speaks the real protocol over real HTTP: routes /bot<token>/<method>
// and /file/bot<token>/<path>; parameters as JSON, urlencoded or multipart
// bodies or in the query string; answers {"ok":true,"result":...} or
// {"ok":false,"error_code":...,"description":...,"parameters":{...}}. A bot
// built with telebot points at it with Settings.URL = srv.URL and
// Settings.Token = srv.Token and cannot tell it from Telegram for the
// methods it implements: getMe, getUpdates (long polling), setWebhook,
// deleteWebhook, getWebhookInfo, set/get/deleteMyCommands, getChat,
// sendMessage, sendPhoto, sendDocument, sendLocation, sendMediaGroup,
// sendChatAction, editMessageText, editMessageCaption,
// editMessageReplyMarkup, deleteMessage(s), answerCallbackQuery and
// getFile. Any other method gets 404 "Not Found: method not found".
//
// The server keeps the state of every chat (the messages still there, after
// edits and deletions) and refuses what Telegram refuses, with Telegram's
// error descriptions, byte for byte where telebot knows them so that
// telebot returns its own error values: unknown chat, a user who never
// wrote to the bot, a blocked bot, empty or too long text (4096
// characters, code points as tdlib counts them, after parse_mode markup
// is removed; captions 1024), unparsable HTML or MarkdownV2, callback data
// over 64 bytes, an edit that changes nothing (text, formatting and
// keyboard compared), a webhook secret_token other than 1-256 characters
// of A-Z a-z 0-9 _ -, a message to edit or delete that does not exist, a
// second answer to a callback query, getUpdates while a webhook is set or
// while another getUpdates is running.
//
// Options.Limits turns on what the bot of today may trip: Telegram's flood
// limits (about 30 messages a second overall, 1 a second per private chat
// after a burst of 3, 20 a minute per group; every send and edit counts,
// each item of an album too; a call over a limit gets 429 with
// parameters.retry_after and takes nothing) and callback queries that
// expire 15 seconds after the press. Time is Options.Now (or Limits.Now).
//
// A webhook gets each chat's updates one at a time in order and different
// chats' updates in parallel, up to max_connections (default 40).
//
// Tests play the users (SendText, Reply, Press, SendPhoto, SendAlbum,
// SendLocation, SendContact, ...), inject faults (FloodNext, FailNext,
// DelayNext, FailAlbumAfter, AddFault, Block, Redeliver), and check what a
// user would see (Sent, Message, History, CallbackAnswer) or wait for it
// (WaitSent, WaitMessage, WaitCall, WaitCallbackAnswer). Every call is recorded
// (Calls). Waits are driven by state changes, never by sleeping, and
// bounded by a context or, for the Must helpers, by Options.WaitTimeout.
//
// A typical test:
//
//	srv := telegramtest.MustNew(t, telegramtest.Options{})
//	bot, err := telebot.NewBot(telebot.Settings{
//		URL: srv.URL, Token: srv.Token,
//		Poller: &telebot.LongPoller{Timeout: time.Second},
//	})
//	// ... register handlers ...
//	go bot.Start()
//	t.Cleanup(func() { // runs before the server's own cleanup
//		srv.EndLongPolls() // or Stop waits for a poll to time out
//		bot.Stop()
//	})
//
//	alice := srv.NewUser("Алиса")
//	start := srv.SendText(alice, "/start")
//	menu := srv.MustWaitSent(t, telegramtest.After(start))
//	q := srv.MustPress(t, alice, menu, "Новое обращение")
//	if a := srv.MustCallbackAnswer(t, q.ID); a.Text != "Начинаем" { ... }
//	prompt := srv.MustWaitSent(t, telegramtest.After(menu))
//	reply := srv.Reply(alice, prompt, "Во дворе яма")
//	ack := srv.MustWaitSent(t, telegramtest.After(reply))
//
// Only must.go knows about tests, through the small TB interface; nothing
// in the package imports "testing".
package telegramtest
