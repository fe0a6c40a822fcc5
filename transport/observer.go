package transport

import tele "gopkg.in/telebot.v3"

// UpdateObserver is told of updates received and of failed attempts at
// handling them, by type (see UpdateType), for metrics. Its methods must
// be quick and safe for concurrent use.
type UpdateObserver interface {
	// UpdateReceived: an update came from Telegram and was kept in the
	// inbox (a redelivery from the inbox is not received again).
	UpdateReceived(typ string)
	// UpdateFailed: an attempt at handling an update failed (the handler
	// returned an error or panicked); it will be tried again.
	UpdateFailed(typ string)
}

// UpdateType names the kind of u as the Bot API does: "message",
// "callback_query", "my_chat_member"…; "other" for a kind not listed.
func UpdateType(u tele.Update) string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.ChannelPost != nil:
		return "channel_post"
	case u.EditedChannelPost != nil:
		return "edited_channel_post"
	case u.Callback != nil:
		return "callback_query"
	case u.Query != nil:
		return "inline_query"
	case u.InlineResult != nil:
		return "chosen_inline_result"
	case u.ShippingQuery != nil:
		return "shipping_query"
	case u.PreCheckoutQuery != nil:
		return "pre_checkout_query"
	case u.Poll != nil:
		return "poll"
	case u.PollAnswer != nil:
		return "poll_answer"
	case u.MessageReaction != nil:
		return "message_reaction"
	case u.MessageReactionCount != nil:
		return "message_reaction_count"
	case u.MyChatMember != nil:
		return "my_chat_member"
	case u.ChatMember != nil:
		return "chat_member"
	case u.ChatJoinRequest != nil:
		return "chat_join_request"
	case u.Boost != nil:
		return "chat_boost"
	case u.BoostRemoved != nil:
		return "removed_chat_boost"
	}
	return "other"
}
