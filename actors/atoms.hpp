#pragma once
// Every atom actors use to name their messages (at most 10 characters each).
// One list, so that two actors never give one atom two meanings.
#include <caf/atom.hpp>

namespace parley {

// store
using signup_atom = caf::atom_constant<caf::atom("signup")>;
using login_atom = caf::atom_constant<caf::atom("login")>;
using auth_atom = caf::atom_constant<caf::atom("auth")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using failed_atom = caf::atom_constant<caf::atom("failed")>; // a login that failed
using devices_atom = caf::atom_constant<caf::atom("devices")>;
using unlink_atom = caf::atom_constant<caf::atom("unlink")>;   // remove a device
using password_atom = caf::atom_constant<caf::atom("password")>;
using secret_atom = caf::atom_constant<caf::atom("secret")>;   // a user's password hash
using hash_atom = caf::atom_constant<caf::atom("hash")>;       // actors/hasher.hpp
using verify_atom = caf::atom_constant<caf::atom("verify")>;
using convs_atom = caf::atom_constant<caf::atom("convs")>;
using history_atom = caf::atom_constant<caf::atom("history")>;
using direct_atom = caf::atom_constant<caf::atom("direct")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using persist_atom = caf::atom_constant<caf::atom("persist")>;
using cursor_atom = caf::atom_constant<caf::atom("cursor")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using media_put_atom = caf::atom_constant<caf::atom("mediaput")>;
using usage_atom = caf::atom_constant<caf::atom("usage")>;     // bytes a user keeps
using reserve_atom = caf::atom_constant<caf::atom("reserve")>; // an upload's quota share
using release_atom = caf::atom_constant<caf::atom("release")>;
using media_get_atom = caf::atom_constant<caf::atom("mediaget")>;
using media_del_atom = caf::atom_constant<caf::atom("mediadel")>;
using group_atom = caf::atom_constant<caf::atom("group")>;
using exists_atom = caf::atom_constant<caf::atom("exists")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
using receipts_atom = caf::atom_constant<caf::atom("receipts")>;
using privacy_atom = caf::atom_constant<caf::atom("privacy")>;
using presload_atom = caf::atom_constant<caf::atom("presload")>;
using last_seen_atom = caf::atom_constant<caf::atom("lastseen")>;
using targets_atom = caf::atom_constant<caf::atom("targets")>;
using block_atom = caf::atom_constant<caf::atom("block")>;
using blocks_atom = caf::atom_constant<caf::atom("blocks")>;
using blockers_atom = caf::atom_constant<caf::atom("blockers")>; // who blocks a user
using poll_atom = caf::atom_constant<caf::atom("poll")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
// directory
using conv_atom = caf::atom_constant<caf::atom("conv")>;
using online_atom = caf::atom_constant<caf::atom("online")>;
using fanout_atom = caf::atom_constant<caf::atom("fanout")>;
using route_atom = caf::atom_constant<caf::atom("route")>;
using retire_atom = caf::atom_constant<caf::atom("retire")>;
using fault_atom = caf::atom_constant<caf::atom("fault")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using contacts_atom = caf::atom_constant<caf::atom("contacts")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
// the key directory (store, REST, presence)
using keys_atom = caf::atom_constant<caf::atom("keys")>;
using claim_atom = caf::atom_constant<caf::atom("claim")>;
using idents_atom = caf::atom_constant<caf::atom("idents")>;
using keys_low_atom = caf::atom_constant<caf::atom("keyslow")>;
// a conversation holds its members' devices; a user's devices changed
using devwatch_atom = caf::atom_constant<caf::atom("devwatch")>;
using devchange_atom = caf::atom_constant<caf::atom("devchange")>;
// a refused encrypted send, checked afresh before it is answered
using recheck_atom = caf::atom_constant<caf::atom("recheck")>;
using envelopes_atom = caf::atom_constant<caf::atom("envelopes")>;
// conversation
using send_atom = caf::atom_constant<caf::atom("send")>;
using receipt_atom = caf::atom_constant<caf::atom("receipt")>;
using typing_atom = caf::atom_constant<caf::atom("typing")>;
using members_atom = caf::atom_constant<caf::atom("members")>;
// presence and session
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using closed_atom = caf::atom_constant<caf::atom("closed")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using offline_atom = caf::atom_constant<caf::atom("offline")>;
using touch_atom = caf::atom_constant<caf::atom("touch")>;
using unsub_atom = caf::atom_constant<caf::atom("unsub")>;
using resub_atom = caf::atom_constant<caf::atom("resub")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
// live order (actors/live_order.hpp): a gap to fill, a fault to recover from
using gap_atom = caf::atom_constant<caf::atom("gap")>;
using recover_atom = caf::atom_constant<caf::atom("recover")>;
// push notifier and media collector
using push_atom = caf::atom_constant<caf::atom("push")>;
using push_token_atom = caf::atom_constant<caf::atom("pushtoken")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using gc_atom = caf::atom_constant<caf::atom("gc")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
// cluster (actors/membership.hpp, actors/directory.hpp)
using join_atom = caf::atom_constant<caf::atom("join")>;
using ring_atom = caf::atom_constant<caf::atom("ring")>;
using cluster_atom = caf::atom_constant<caf::atom("cluster")>;
using dial_atom = caf::atom_constant<caf::atom("dial")>;
// Membership tells its directory which CAF nodes are members (those it
// dialled or admitted), before any of them can relay a request here.
using trust_atom = caf::atom_constant<caf::atom("trust")>;
using rehome_atom = caf::atom_constant<caf::atom("rehome")>;
using relayed_atom = caf::atom_constant<caf::atom("relayed")>;
using presence_atom = caf::atom_constant<caf::atom("presence")>;
// calls (actors/call.hpp): an offer checked by the caller's presence actor,
// a call's frames, its ringing, its state told to presence and sessions
using offer_atom = caf::atom_constant<caf::atom("offer")>;
using call_atom = caf::atom_constant<caf::atom("call")>;
using callcheck_atom = caf::atom_constant<caf::atom("callcheck")>;
using callring_atom = caf::atom_constant<caf::atom("callring")>;
using calljoin_atom = caf::atom_constant<caf::atom("calljoin")>;
using callstate_atom = caf::atom_constant<caf::atom("callstate")>;
using callbind_atom = caf::atom_constant<caf::atom("callbind")>;
using record_atom = caf::atom_constant<caf::atom("record")>;
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;
using grace_atom = caf::atom_constant<caf::atom("grace")>;

} // namespace parley
