package delivery

import (
	"encoding/json"
	"errors"
	"fmt"

	tele "gopkg.in/telebot.v3"

	"mcu/outbox"
)

// replyParts adds the calls of a handler's reply, one part each
// (reply/0, reply/1...): a new message, an edit (one Telegram can no
// longer make goes as a new message; one that changes nothing is done),
// or a deletion (of a message already gone: done).
func (d *Dispatcher) replyParts(run *partRun, chat *tele.Chat, opts *tele.SendOptions, r *outbox.Reply) {
	for i, call := range r.Calls {
		key := fmt.Sprintf("reply/%d", i)
		switch {
		case call.Delete != 0:
			run.add(key, func() ([]int, error) {
				err := d.tg.Delete(&tele.Message{ID: call.Delete, Chat: chat})
				if err != nil && cannotEdit(err) {
					return nil, nil // gone already
				}
				return nil, err
			})
		case call.Edit != 0:
			run.add(key, func() ([]int, error) { return d.edit(chat, opts, call) })
		default:
			run.add(key, func() ([]int, error) {
				o, err := callOptions(chat, opts, call)
				if err != nil {
					return nil, err
				}
				return d.sendOne(chat, call.Text, o)
			})
		}
	}
}

// callOptions are the send options of a call. The keyboard is decoded
// for each request: telebot rewrites the buttons' data as it sends them.
func callOptions(chat *tele.Chat, opts *tele.SendOptions, call outbox.Call) (*tele.SendOptions, error) {
	o := *opts
	o.ParseMode = tele.ParseMode(call.ParseMode)
	if len(call.Markup) > 0 && string(call.Markup) != "null" {
		o.ReplyMarkup = &tele.ReplyMarkup{}
		if err := json.Unmarshal(call.Markup, o.ReplyMarkup); err != nil {
			return nil, badCall{fmt.Errorf("bad keyboard: %w", err)}
		}
	}
	if call.ReplyTo != 0 {
		o.ReplyTo, o.AllowWithoutReply = &tele.Message{ID: call.ReplyTo, Chat: chat}, true
	}
	return &o, nil
}

// badCall is a call that cannot be made as it is stored: refused for
// good, like a 400.
type badCall struct{ error }

// edit makes an edit call of a reply: the message's text and buttons, or
// only its buttons when the call has no text.
func (d *Dispatcher) edit(chat *tele.Chat, opts *tele.SendOptions, call outbox.Call) ([]int, error) {
	o, err := callOptions(chat, opts, call)
	if err != nil {
		return nil, err
	}
	msg := &tele.Message{ID: call.Edit, Chat: chat}
	if call.Text == "" {
		_, err = d.tg.EditReplyMarkup(msg, o.ReplyMarkup)
	} else {
		_, err = d.tg.Edit(msg, call.Text, &tele.SendOptions{ReplyMarkup: o.ReplyMarkup, ParseMode: o.ParseMode, DisableWebPagePreview: true})
	}
	switch {
	case err == nil, errors.Is(err, tele.ErrMessageNotModified), errors.Is(err, tele.ErrSameMessageContent):
		return []int{call.Edit}, nil
	case cannotEdit(err) && call.Text != "":
		// Too old or deleted: the text goes as a new message.
		if o, err = callOptions(chat, opts, call); err != nil {
			return nil, err
		}
		return d.sendOne(chat, call.Text, o)
	case cannotEdit(err):
		return nil, nil // the buttons went with the message
	}
	return nil, err
}
