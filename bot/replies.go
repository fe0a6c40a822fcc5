package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	tele "gopkg.in/telebot.v3"

	"mcu/outbox"
)

// Handlers answer through the tele.Context they are given, as telebot
// handlers do (c.Send, c.Reply, c.Edit, c.Delete, c.Respond); processOnce
// gives them a replyContext, which sends nothing at once. What they send
// is kept and enqueued in the outbox in the update's transaction when the
// handler is done (see processOnce), so a reply goes out exactly when the
// update's effects commit: never before, never lost to a 429 or a crash,
// never repeated when the update is handled again, and paced with
// everything else the bot sends (the dispatcher sends it, ahead of the
// bulk). The answer to a pressed button (Respond) is sent once the
// transaction has committed.

// replyContext is the tele.Context of a handler: the update's, with
// sending kept for the outbox.
type replyContext struct {
	tele.Context
	mu       sync.Mutex
	replies  []*pendingReply
	callback *tele.CallbackResponse // the press's answer, when Respond was called
}

// pendingReply is what a handler sends to one chat (and topic).
type pendingReply struct {
	chatID   int64
	threadID int
	calls    []outbox.Call
}

func newReplyContext(c tele.Context) *replyContext { return &replyContext{Context: c} }

// errUnsupportedReply is a handler's send the outbox cannot hold (only
// texts can be replies).
var errUnsupportedReply = errors.New("bot: a reply must be a text")

// add keeps a call for chat (and thread), after those kept for it before.
func (c *replyContext) add(chatID int64, threadID int, call outbox.Call) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.replies {
		if r.chatID == chatID && r.threadID == threadID {
			r.calls = append(r.calls, call)
			return
		}
	}
	c.replies = append(c.replies, &pendingReply{chatID: chatID, threadID: threadID, calls: []outbox.Call{call}})
}

// Send keeps a message to the update's chat.
func (c *replyContext) Send(what interface{}, opts ...interface{}) error {
	return c.sendTo(c.Chat(), what, opts...)
}

// Reply keeps a message replying to the update's message.
func (c *replyContext) Reply(what interface{}, opts ...interface{}) error {
	msg := c.Message()
	if msg == nil {
		return tele.ErrBadContext
	}
	o, err := sendOptions(opts)
	if err != nil {
		return err
	}
	o.ReplyTo = msg
	return c.sendTo(msg.Chat, what, o)
}

// sendTo keeps a message to chat.
func (c *replyContext) sendTo(chat *tele.Chat, what interface{}, opts ...interface{}) error {
	call, thread, err := newMessage(chat, what, opts)
	if err != nil {
		return err
	}
	c.add(chat.ID, thread, call)
	return nil
}

// newMessage is the call that sends what to chat, and its topic.
func newMessage(chat *tele.Chat, what interface{}, opts []interface{}) (outbox.Call, int, error) {
	if chat == nil {
		return outbox.Call{}, 0, tele.ErrBadRecipient
	}
	text, ok := what.(string)
	if !ok {
		return outbox.Call{}, 0, fmt.Errorf("%w, not %T", errUnsupportedReply, what)
	}
	o, err := sendOptions(opts)
	if err != nil {
		return outbox.Call{}, 0, err
	}
	call := outbox.Call{Text: text, ParseMode: string(o.ParseMode)}
	if o.ReplyTo != nil {
		call.ReplyTo = o.ReplyTo.ID
	}
	if call.Markup, err = markupJSON(o.ReplyMarkup); err != nil {
		return outbox.Call{}, 0, err
	}
	return call, o.ThreadID, nil
}

// Edit keeps an edit of the message whose button was pressed.
func (c *replyContext) Edit(what interface{}, opts ...interface{}) error {
	cb := c.Callback()
	if cb == nil || cb.Message == nil {
		return tele.ErrBadContext
	}
	text, ok := what.(string)
	if !ok {
		return fmt.Errorf("%w, not %T", errUnsupportedReply, what)
	}
	if text == "" {
		return errors.New("bot: an edit to an empty text")
	}
	o, err := sendOptions(opts)
	if err != nil {
		return err
	}
	call := outbox.Call{Edit: cb.Message.ID, Text: text, ParseMode: string(o.ParseMode)}
	if call.Markup, err = markupJSON(o.ReplyMarkup); err != nil {
		return err
	}
	c.add(cb.Message.Chat.ID, 0, call)
	return nil
}

// dropMarkup keeps the removal of msg's inline buttons.
func (c *replyContext) dropMarkup(msg *tele.Message) {
	c.add(msg.Chat.ID, 0, outbox.Call{Edit: msg.ID})
}

// Delete keeps the deletion of the update's message (the pressed
// button's, for a press).
func (c *replyContext) Delete() error {
	msg := c.Message()
	if msg == nil || msg.Chat == nil {
		return tele.ErrBadContext
	}
	c.add(msg.Chat.ID, 0, outbox.Call{Delete: msg.ID})
	return nil
}

// Respond keeps the answer to the pressed button, sent after the commit.
func (c *replyContext) Respond(resp ...*tele.CallbackResponse) error {
	if c.Callback() == nil {
		return errors.New("bot: no button was pressed")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.callback = &tele.CallbackResponse{}
	if len(resp) > 0 && resp[0] != nil {
		c.callback = resp[0]
	}
	return nil
}

// enqueue writes what the handler sent to the outbox, a reply per chat,
// in the transaction of ctx.
func (c *replyContext) enqueue(ctx context.Context, store Store) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flush(ctx, store)
}

// flush enqueues the replies kept so far; c.mu is held.
func (c *replyContext) flush(ctx context.Context, store Store) error {
	for _, r := range c.replies {
		if _, err := store.EnqueueReply(ctx, r.chatID, r.threadID, outbox.Reply{Calls: r.calls}); err != nil {
			return err
		}
	}
	c.replies = nil
	return nil
}

// sendTracked enqueues a message to chat at once, after the replies kept
// so far, as an outbox row of its own, and returns the row's id: a prompt
// whose reply the handler will wait for, or a menu it will edit, is known
// by its row (see Bot.sentAs), since its message id exists only once the
// dispatcher has sent it.
func (c *replyContext) sendTracked(ctx context.Context, store Store, chat *tele.Chat, text string, opts ...interface{}) (int64, error) {
	call, thread, err := newMessage(chat, text, opts)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.flush(ctx, store); err != nil {
		return 0, err
	}
	return store.EnqueueReply(ctx, chat.ID, thread, outbox.Reply{Calls: []outbox.Call{call}})
}

// replyOf returns the replyContext of a handler's context (nil outside
// processOnce, in tests of a handler alone).
func replyOf(c tele.Context) *replyContext {
	rc, _ := c.(*replyContext)
	return rc
}

// callbackAnswerTimeout bounds the answer to a press: Telegram forgets a
// press not answered within about 15 s.
const callbackAnswerTimeout = 15 * time.Second

// answerPress sends the answer to the pressed button of a handled update,
// in the background so that a slow Telegram does not hold the next
// update; at most maxAnswers at once (more are dropped: the answer is a
// courtesy, the effects and replies are in the outbox).
func (b *Bot) answerPress(c *replyContext) {
	cb := c.Callback()
	if cb == nil {
		return
	}
	c.mu.Lock()
	resp := c.callback
	c.mu.Unlock()
	if resp == nil {
		resp = &tele.CallbackResponse{} // stop the button's spinner
	}
	select {
	case b.answers <- struct{}{}:
	default:
		b.logger.Debug("too many button answers in flight; one dropped", "update_id", c.Update().ID)
		return
	}
	go func() {
		defer func() { <-b.answers }()
		done := make(chan error, 1)
		go func() { done <- b.tg.Respond(cb, resp) }()
		select {
		case err := <-done:
			if err != nil && !callbackExpired(err) {
				b.logger.Debug("unable to answer a pressed button", "update_id", c.Update().ID, "error", err)
			}
		case <-time.After(callbackAnswerTimeout):
		}
	}()
}

// maxAnswers is how many answers to presses may be in flight at once.
const maxAnswers = 64

// sendOptions reads telebot's send options as telebot does (a
// *tele.SendOptions, a *tele.ReplyMarkup, a tele.ParseMode, flags).
func sendOptions(opts []interface{}) (*tele.SendOptions, error) {
	o := &tele.SendOptions{}
	for _, opt := range opts {
		switch v := opt.(type) {
		case nil:
		case *tele.SendOptions:
			if v != nil {
				cp := *v
				o = &cp
			}
		case *tele.ReplyMarkup:
			o.ReplyMarkup = v
		case tele.ParseMode:
			o.ParseMode = v
		case tele.Option:
			switch v {
			case tele.NoPreview, tele.AllowWithoutReply, tele.Silent:
				// The dispatcher sends without previews, and replies
				// without the message replied to.
			case tele.RemoveKeyboard:
				if o.ReplyMarkup == nil {
					o.ReplyMarkup = &tele.ReplyMarkup{}
				}
				o.ReplyMarkup.RemoveKeyboard = true
			case tele.ForceReply:
				if o.ReplyMarkup == nil {
					o.ReplyMarkup = &tele.ReplyMarkup{}
				}
				o.ReplyMarkup.ForceReply = true
			default:
				return nil, fmt.Errorf("bot: a reply option the outbox does not keep: %v", v)
			}
		default:
			return nil, fmt.Errorf("bot: a reply option the outbox does not keep: %T", opt)
		}
	}
	return o, nil
}

// markupJSON is a keyboard as the outbox keeps it; nil for none.
func markupJSON(m *tele.ReplyMarkup) (json.RawMessage, error) {
	if m == nil {
		return nil, nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("bot: unable to encode a keyboard: %w", err)
	}
	return raw, nil
}

// sendTo sends text to chat along with the update's replies (see
// replyContext).
func (b *Bot) sendTo(c tele.Context, chat *tele.Chat, text string, opts ...interface{}) error {
	rc := replyOf(c)
	if rc == nil {
		return errNoUpdate
	}
	return rc.sendTo(chat, text, opts...)
}

// errNoUpdate is a send asked for outside the handling of an update:
// nothing goes to Telegram but through the outbox.
var errNoUpdate = errors.New("bot: a message sent outside the handling of an update")

// sendTracked sends text to chat as an outbox row of its own and returns
// the row (see replyContext.sendTracked).
func (b *Bot) sendTracked(c tele.Context, chat *tele.Chat, text string, opts ...interface{}) (int64, error) {
	rc := replyOf(c)
	if rc == nil {
		return 0, errNoUpdate
	}
	return rc.sendTracked(contextOf(c), b.opts.Store, chat, text, opts...)
}

// sentAs reports whether message msgID of the chat was sent by the outbox
// row row (a prompt replied to, a menu pressed).
func (b *Bot) sentAs(ctx context.Context, row int64, msgID int) (bool, error) {
	if row == 0 {
		return false, nil
	}
	ids, err := b.opts.Store.SentMessageIDs(ctx, row)
	if err != nil {
		return false, err
	}
	return slices.Contains(ids, msgID), nil
}
