<?php
/**
 * Plugin Name: Moderator Akismet bridge
 * Description: Sends the Akismet plugin's API calls to a self-hosted moderator instance instead of rest.akismet.com, so comments never leave your servers.
 * Version:     1.0.0
 * License:     MIT
 *
 * A must-use plugin: copy this file to wp-content/mu-plugins/ and define in wp-config.php
 *
 *     define( 'MODERATOR_AKISMET_URL', 'https://moderator.example.com' );
 *     define( 'MODERATOR_AKISMET_KEY', 'mod0123...' ); // the key `moderator sites create` printed
 *
 * The Akismet plugin itself stays installed and active: it still decides when to check,
 * shows its history and sends spam/ham reports. This file only changes where those
 * requests go. Without both constants it does nothing.
 *
 * How:
 * - The Akismet plugin refuses any key that is not 12 characters long, and moderator's
 *   keys are longer. So Akismet is handed the key's first 12 characters as a stand-in
 *   (the prefix moderator lists keys by), through its `akismet_get_api_key` filter, and the
 *   real key never sits in the options table.
 * - WordPress's `pre_http_request` filter catches every request for rest.akismet.com or
 *   <key>.rest.akismet.com (the legacy key-in-host form), by URL or by Host header (the
 *   plugin's connectivity check dials Akismet's IP addresses directly). It is re-sent to
 *   MODERATOR_AKISMET_URL with the same path, the real key in place of the stand-in, and
 *   no Host header naming Akismet.
 *
 * Both values can also come from the `moderator_akismet_url` and `moderator_akismet_key`
 * filters, e.g. to give each site of a multisite network its own key.
 *
 * Keeping both sides in step (see the second half of this file):
 * - Every status change made in WordPress (approve, unapprove, spam, not spam, trash,
 *   untrash, delete) and every edit is reported to moderator's POST /api/v1/wordpress/changes,
 *   naming the comment by the guid moderator answered its check with and by its ID. When
 *   moderator cannot be reached the report waits in a small queue (an option) that
 *   WP-cron retries every minute, in order.
 * - Every minute WP-cron reads moderator's events feed (GET /api/v1/events, from a saved
 *   cursor) and applies what moderator's review page decided: a status, a reply (posted
 *   under the comment), a deletion, an urgent flag. A change applied from moderator is
 *   never reported back, and the feed never carries WordPress's own changes: no loops.
 *   With MODERATOR_WEBHOOK_SECRET set, a signed webhook from moderator triggers the same
 *   read at once (REST route moderator/v1/webhook).
 * - A comment moderator holds stays in Pending; an urgent one (a reader who may need help
 *   now) is held too, flagged in Comments (a column and a notice), and the moderation
 *   e-mail, sent even when those e-mails are off, starts with the reason.
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Return the moderator instance's base URL without a trailing slash, or '' when unset.
 *
 * @return string
 */
function moderator_akismet_bridge_url() {
	$url = defined( 'MODERATOR_AKISMET_URL' ) ? (string) MODERATOR_AKISMET_URL : '';
	$url = (string) apply_filters( 'moderator_akismet_url', $url );
	$url = untrailingslashit( trim( $url ) );
	// Pointing the bridge at Akismet itself would loop; refuse that.
	if ( '' === $url || moderator_akismet_bridge_is_akismet_host( (string) wp_parse_url( $url, PHP_URL_HOST ) ) ) {
		return '';
	}
	return $url;
}

/**
 * Return the moderator site key, or '' when unset.
 *
 * @return string
 */
function moderator_akismet_bridge_key() {
	$key = defined( 'MODERATOR_AKISMET_KEY' ) ? (string) MODERATOR_AKISMET_KEY : '';
	return strtolower( trim( (string) apply_filters( 'moderator_akismet_key', $key ) ) );
}

/**
 * Whether the bridge is configured.
 *
 * @return bool
 */
function moderator_akismet_bridge_enabled() {
	return '' !== moderator_akismet_bridge_url() && '' !== moderator_akismet_bridge_key();
}

/**
 * Whether a host name is Akismet's API host, with or without a key in front of it.
 *
 * @param string $host A host name.
 * @return bool
 */
function moderator_akismet_bridge_is_akismet_host( $host ) {
	$host   = strtolower( rtrim( trim( $host ), '.' ) );
	$suffix = '.rest.akismet.com';
	return 'rest.akismet.com' === $host || substr( $host, -strlen( $suffix ) ) === $suffix;
}

/**
 * Give the Akismet plugin a 12-character stand-in for the key (the length it insists on).
 *
 * @param string|null $key The key Akismet would otherwise use.
 * @return string|null
 */
function moderator_akismet_bridge_stand_in_key( $key ) {
	if ( ! moderator_akismet_bridge_enabled() ) {
		return $key;
	}
	return substr( moderator_akismet_bridge_key(), 0, 12 );
}
add_filter( 'akismet_get_api_key', 'moderator_akismet_bridge_stand_in_key', 99 );

/**
 * Tell the Akismet settings page the key is set in code, so nobody types another in.
 *
 * @param bool $predefined Whether a key is predefined.
 * @return bool
 */
function moderator_akismet_bridge_predefined( $predefined ) {
	return moderator_akismet_bridge_enabled() ? true : $predefined;
}
add_filter( 'akismet_predefined_api_key', 'moderator_akismet_bridge_predefined', 99 );

/**
 * Put the real key in every `key` and `api_key` field of a query string; add one if none.
 *
 * @param string $query A URL-encoded query string or form body.
 * @param bool   $add   Whether to append `api_key` when the string carries no key.
 * @return string
 */
function moderator_akismet_bridge_swap_key( $query, $add ) {
	$key   = rawurlencode( moderator_akismet_bridge_key() );
	$count = 0;
	$query = preg_replace( '/(^|&)(api_key|key)=[^&]*/', '${1}${2}=' . $key, $query, -1, $count );
	if ( $add && 0 === $count ) {
		$query .= ( '' === $query ? '' : '&' ) . 'api_key=' . $key;
	}
	return $query;
}

/**
 * Re-send a request meant for Akismet's API to the moderator instance.
 *
 * @param false|array|WP_Error $pre  A response another filter already produced, or false.
 * @param array                $args The request's arguments.
 * @param string               $url  The URL requested.
 * @return false|array|WP_Error
 */
function moderator_akismet_bridge_request( $pre, $args, $url ) {
	if ( false !== $pre || ! moderator_akismet_bridge_enabled() ) {
		return $pre;
	}
	$parts = wp_parse_url( $url );
	if ( ! is_array( $parts ) || empty( $parts['host'] ) ) {
		return $pre;
	}

	$headers   = ( isset( $args['headers'] ) && is_array( $args['headers'] ) ) ? $args['headers'] : array();
	$host_sent = '';
	foreach ( $headers as $name => $value ) {
		if ( 'host' === strtolower( (string) $name ) ) {
			$host_sent = (string) $value;
			unset( $headers[ $name ] ); // It names Akismet; let WordPress name the moderator host.
		}
	}
	if ( ! moderator_akismet_bridge_is_akismet_host( $parts['host'] )
		&& ! moderator_akismet_bridge_is_akismet_host( preg_replace( '/:\d+$/', '', $host_sent ) ) ) {
		return $pre;
	}
	$args['headers'] = $headers;

	$body     = isset( $args['body'] ) ? $args['body'] : null;
	$has_body = is_array( $body ) || ( is_string( $body ) && '' !== $body );
	if ( is_array( $body ) ) {
		foreach ( array( 'key', 'api_key' ) as $field ) {
			if ( isset( $body[ $field ] ) ) {
				$body[ $field ] = moderator_akismet_bridge_key();
			}
		}
		if ( ! isset( $body['key'] ) && ! isset( $body['api_key'] ) ) {
			$body['api_key'] = moderator_akismet_bridge_key();
		}
		$args['body'] = $body;
	} elseif ( $has_body ) {
		$args['body'] = moderator_akismet_bridge_swap_key( $body, true );
	}

	// A request without a body (a GET such as usage-limit) carries the key in its query.
	$query  = moderator_akismet_bridge_swap_key( isset( $parts['query'] ) ? $parts['query'] : '', ! $has_body );
	$target = moderator_akismet_bridge_url() . ( isset( $parts['path'] ) ? $parts['path'] : '/' );
	if ( '' !== $query ) {
		$target .= '?' . $query;
	}

	$response = wp_remote_request( $target, $args );
	$endpoint = isset( $parts['path'] ) ? basename( $parts['path'] ) : '';
	if ( 'comment-check' === $endpoint ) {
		moderator_akismet_bridge_note_check( isset( $args['body'] ) ? $args['body'] : '', $response );
	} elseif ( 'submit-spam' === $endpoint || 'submit-ham' === $endpoint ) {
		moderator_akismet_bridge_note_submit( isset( $args['body'] ) ? $args['body'] : '', $response );
	}
	return $response;
}
add_filter( 'pre_http_request', 'moderator_akismet_bridge_request', 10, 3 );


// -- both sides in step ---------------------------------------------------------------------

/** How long a report or feed read may take before it counts as failed, in seconds. */
const MODERATOR_AKISMET_BRIDGE_TIMEOUT = 5;
/** The queue of reports waiting for moderator to be reachable, oldest first. */
const MODERATOR_AKISMET_BRIDGE_QUEUE = 'moderator_bridge_queue';
/** The most reports the queue keeps: past it the oldest are dropped (and logged). */
const MODERATOR_AKISMET_BRIDGE_QUEUE_LIMIT = 500;
/** The events feed's cursor: the last event applied. */
const MODERATOR_AKISMET_BRIDGE_CURSOR = 'moderator_bridge_events_after';
/** The WP-cron hook that retries the queue and reads the feed. */
const MODERATOR_AKISMET_BRIDGE_CRON = 'moderator_bridge_sync';

/**
 * Remember what moderator answered a comment-check with, for the comment about to be saved.
 *
 * @param string|array         $body     The request's body.
 * @param array|WP_Error       $response moderator's answer.
 */
function moderator_akismet_bridge_note_check( $body, $response ) {
	if ( is_string( $body ) ) {
		parse_str( $body, $fields );
	} else {
		$fields = (array) $body;
	}
	if ( is_wp_error( $response ) || ! empty( $fields['recheck_reason'] ) ) {
		return; // A recheck of a stored comment: nothing is about to be saved.
	}
	$guid = (string) wp_remote_retrieve_header( $response, 'x-akismet-guid' );
	if ( '' === $guid ) {
		return;
	}
	$GLOBALS['moderator_akismet_bridge_last_check'] = array(
		'guid'          => $guid,
		'status'        => (string) wp_remote_retrieve_header( $response, 'x-moderator-status' ),
		'urgent'        => 'true' === wp_remote_retrieve_header( $response, 'x-moderator-urgent' ),
		'urgent_reason' => (string) wp_remote_retrieve_header( $response, 'x-moderator-urgent-reason' ),
	);
}

/**
 * Remember that Akismet reported a comment spam or genuine in this request (its label is
 * written), so the bridge's report of the same click moves the comment without a second.
 *
 * @param string|array   $body     The request's body.
 * @param array|WP_Error $response moderator's answer.
 */
function moderator_akismet_bridge_note_submit( $body, $response ) {
	if ( is_string( $body ) ) {
		parse_str( $body, $fields );
	} else {
		$fields = (array) $body;
	}
	$code = is_wp_error( $response ) ? 0 : (int) wp_remote_retrieve_response_code( $response );
	if ( 200 === $code && isset( $fields['comment_ID'] ) && ctype_digit( (string) $fields['comment_ID'] ) ) {
		$GLOBALS['moderator_akismet_bridge_submitted'][ (int) $fields['comment_ID'] ] = true;
	}
}

/**
 * Return what moderator answered the check of the comment being saved, or null.
 *
 * @return array|null
 */
function moderator_akismet_bridge_last_check() {
	return isset( $GLOBALS['moderator_akismet_bridge_last_check'] ) ? $GLOBALS['moderator_akismet_bridge_last_check'] : null;
}

/**
 * Hold what moderator holds, and what it marks urgent, even where WordPress would publish it.
 *
 * @param int|string $approved 1, 0, 'spam' or 'trash', as WordPress decided so far.
 * @return int|string
 */
function moderator_akismet_bridge_hold( $approved ) {
	$check = moderator_akismet_bridge_last_check();
	if ( null === $check || ! moderator_akismet_bridge_enabled() ) {
		return $approved;
	}
	if ( ( 1 === $approved || '1' === $approved ) && ( $check['urgent'] || 'pending' === $check['status'] ) ) {
		return 0;
	}
	return $approved;
}
add_filter( 'pre_comment_approved', 'moderator_akismet_bridge_hold', 99 );

/**
 * Whether a change now comes from moderator (so it must not be reported back).
 *
 * @return bool
 */
function moderator_akismet_bridge_applying() {
	return ! empty( $GLOBALS['moderator_akismet_bridge_applying'] );
}

/**
 * Return moderator's name for a WordPress comment status, or '' for one it has none for.
 *
 * @param string $status A status as wp_get_comment_status() or a transition names it.
 * @return string
 */
function moderator_akismet_bridge_status( $status ) {
	$map = array(
		'1'            => 'approved',
		'approve'      => 'approved',
		'approved'     => 'approved',
		'0'            => 'pending',
		'hold'         => 'pending',
		'unapproved'   => 'pending',
		'spam'         => 'spam',
		'trash'        => 'trash',
		'post-trashed' => 'trash',
		'delete'       => 'deleted',
	);
	$status = (string) $status;
	return isset( $map[ $status ] ) ? $map[ $status ] : '';
}

/**
 * Return the name of the WordPress user acting now, or '' (WP-cron, a visitor).
 *
 * @return string
 */
function moderator_akismet_bridge_actor() {
	if ( function_exists( 'wp_get_current_user' ) ) {
		$user = wp_get_current_user();
		if ( $user && ! empty( $user->user_login ) ) {
			return substr( (string) $user->user_login, 0, 100 );
		}
	}
	return '';
}

/**
 * Return a report about a comment: its guid (when moderator checked it) and its ID.
 *
 * @param int|WP_Comment $comment The comment or its ID.
 * @param array          $change  What changed: `status` and/or `content`.
 * @return array
 */
function moderator_akismet_bridge_change( $comment, $change ) {
	$id   = is_object( $comment ) ? (int) $comment->comment_ID : (int) $comment;
	$guid = (string) get_comment_meta( $id, 'moderator_guid', true );
	return array_merge(
		array( 'external_id' => (string) $id ),
		'' !== $guid ? array( 'guid' => $guid ) : array(),
		$change,
		array( 'actor' => moderator_akismet_bridge_actor() )
	);
}

/**
 * A comment checked by moderator was saved: remember its guid, flag it if urgent, and
 * tell moderator its ID and where WordPress put it.
 *
 * @param int        $id      The new comment's ID.
 * @param WP_Comment $comment The comment.
 */
function moderator_akismet_bridge_saved( $id, $comment ) {
	$check = moderator_akismet_bridge_last_check();
	unset( $GLOBALS['moderator_akismet_bridge_last_check'] );
	if ( null === $check || moderator_akismet_bridge_applying() || ! moderator_akismet_bridge_enabled() ) {
		return;
	}
	update_comment_meta( $id, 'moderator_guid', $check['guid'] );
	if ( $check['urgent'] ) {
		update_comment_meta( $id, 'moderator_urgent', '' !== $check['urgent_reason'] ? $check['urgent_reason'] : 'A reader may need help urgently.' );
	}
	$status = moderator_akismet_bridge_status( is_object( $comment ) ? $comment->comment_approved : '' );
	$change = moderator_akismet_bridge_change( $id, '' !== $status ? array( 'status' => $status ) : array() );
	unset( $change['actor'] ); // WordPress placed it, nobody clicked.
	moderator_akismet_bridge_report( $change );
}
add_action( 'wp_insert_comment', 'moderator_akismet_bridge_saved', 10, 2 );

/**
 * A comment moved in WordPress (approve, unapprove, spam, not spam, trash, untrash, delete).
 *
 * Runs after the Akismet plugin's own handler (priority 10), which sends submit-spam /
 * submit-ham first: moderator then already has the comment where this report says, and
 * writes no second label.
 *
 * @param string     $new_status The new status.
 * @param string     $old_status The old status.
 * @param WP_Comment $comment    The comment.
 */
function moderator_akismet_bridge_moved( $new_status, $old_status, $comment ) {
	if ( $new_status === $old_status || moderator_akismet_bridge_applying() || ! moderator_akismet_bridge_enabled() ) {
		return;
	}
	$status = moderator_akismet_bridge_status( $new_status );
	if ( '' === $status ) {
		return;
	}
	$change = array( 'status' => $status );
	$id     = (int) $comment->comment_ID;
	if ( ! empty( $GLOBALS['moderator_akismet_bridge_submitted'][ $id ] ) ) {
		$change['already_reported'] = true; // Akismet's submit-spam/ham carried the judgement.
		unset( $GLOBALS['moderator_akismet_bridge_submitted'][ $id ] );
	}
	moderator_akismet_bridge_report( moderator_akismet_bridge_change( $comment, $change ) );
}
add_action( 'transition_comment_status', 'moderator_akismet_bridge_moved', 20, 3 );

/**
 * A comment's text was edited in WordPress.
 *
 * @param int   $id   The comment's ID.
 * @param array $data The saved fields.
 */
function moderator_akismet_bridge_edited( $id, $data = array() ) {
	if ( moderator_akismet_bridge_applying() || ! moderator_akismet_bridge_enabled() ) {
		return;
	}
	$content = isset( $data['comment_content'] ) ? (string) $data['comment_content'] : '';
	if ( '' === trim( $content ) ) {
		return;
	}
	moderator_akismet_bridge_report( moderator_akismet_bridge_change( $id, array( 'content' => $content ) ) );
}
add_action( 'edit_comment', 'moderator_akismet_bridge_edited', 10, 2 );

/**
 * Call moderator's API v1 with the site key.
 *
 * @param string     $method GET or POST.
 * @param string     $path   The path under /api/v1, with its query.
 * @param array|null $body   A JSON body.
 * @return array|WP_Error
 */
function moderator_akismet_bridge_api( $method, $path, $body = null ) {
	$args = array(
		'method'  => $method,
		'timeout' => MODERATOR_AKISMET_BRIDGE_TIMEOUT,
		'headers' => array(
			'Authorization' => 'Bearer ' . moderator_akismet_bridge_key(),
			'Accept'        => 'application/json',
		),
	);
	if ( null !== $body ) {
		$args['headers']['Content-Type'] = 'application/json';
		$args['body']                    = wp_json_encode( $body );
	}
	return wp_remote_request( moderator_akismet_bridge_url() . '/api/v1' . $path, $args );
}

/**
 * Send one report; return true when it is done with (sent, or refused for good).
 *
 * moderator down, overloaded or rate-limiting (no answer, 5xx, 429): false, try again.
 * Any other answer is final: 404 means moderator never saw that comment (one posted
 * before the bridge), and a refused report would be refused again.
 *
 * @param array $change The report.
 * @return bool
 */
function moderator_akismet_bridge_send( $change ) {
	$response = moderator_akismet_bridge_api( 'POST', '/wordpress/changes', $change );
	if ( is_wp_error( $response ) ) {
		return false;
	}
	$code = (int) wp_remote_retrieve_response_code( $response );
	if ( 429 === $code || $code >= 500 || 0 === $code ) {
		return false;
	}
	if ( $code >= 300 && 404 !== $code ) {
		error_log( 'moderator bridge: report refused (' . $code . '): ' . substr( (string) wp_remote_retrieve_body( $response ), 0, 300 ) );
	}
	return true;
}

/**
 * Report a change to moderator now, or queue it behind those still waiting.
 *
 * @param array $change The report.
 */
function moderator_akismet_bridge_report( $change ) {
	$queue = get_option( MODERATOR_AKISMET_BRIDGE_QUEUE, array() );
	$queue = is_array( $queue ) ? $queue : array();
	if ( empty( $queue ) && moderator_akismet_bridge_send( $change ) ) {
		return;
	}
	$queue[] = $change; // Behind the others: moderator must see them in order.
	if ( count( $queue ) > MODERATOR_AKISMET_BRIDGE_QUEUE_LIMIT ) {
		$dropped = array_splice( $queue, 0, count( $queue ) - MODERATOR_AKISMET_BRIDGE_QUEUE_LIMIT );
		error_log( 'moderator bridge: queue full, dropped ' . count( $dropped ) . ' oldest report(s)' );
	}
	update_option( MODERATOR_AKISMET_BRIDGE_QUEUE, $queue, false );
}

/**
 * Send the queued reports in order, stopping at the first moderator cannot take yet.
 *
 * @return int How many are still waiting.
 */
function moderator_akismet_bridge_flush() {
	$queue = get_option( MODERATOR_AKISMET_BRIDGE_QUEUE, array() );
	$queue = is_array( $queue ) ? array_values( $queue ) : array();
	$sent  = 0;
	foreach ( $queue as $change ) {
		if ( ! moderator_akismet_bridge_send( $change ) ) {
			break;
		}
		$sent++;
	}
	if ( $sent > 0 ) {
		$queue = array_slice( $queue, $sent );
		update_option( MODERATOR_AKISMET_BRIDGE_QUEUE, $queue, false );
	}
	return count( $queue );
}

/**
 * Return WordPress's status for one of moderator's, or '' for none.
 *
 * @param string $status moderator's status.
 * @return string
 */
function moderator_akismet_bridge_wp_status( $status ) {
	$map = array(
		'approved' => 'approve',
		'pending'  => 'hold',
		'spam'     => 'spam',
		'trash'    => 'trash',
	);
	return isset( $map[ $status ] ) ? $map[ $status ] : '';
}

/**
 * Return the user moderator's replies are posted as: the site's administrator, or null.
 *
 * @return WP_User|null
 */
function moderator_akismet_bridge_reply_user() {
	$user = get_user_by( 'email', get_option( 'admin_email' ) );
	return $user ? $user : null;
}

/**
 * Apply one event of moderator's feed to WordPress; return whether it changed anything.
 *
 * @param array $event An event as GET /api/v1/events gives it.
 * @return bool
 */
function moderator_akismet_bridge_apply( $event ) {
	$id      = isset( $event['external_id'] ) ? (string) $event['external_id'] : '';
	$action  = isset( $event['action'] ) ? (string) $event['action'] : '';
	$details = ( isset( $event['details'] ) && is_array( $event['details'] ) ) ? $event['details'] : array();
	if ( ! ctype_digit( $id ) ) {
		return false; // A comment WordPress never told moderator about.
	}
	$comment = get_comment( (int) $id );
	if ( ! $comment ) {
		return false;
	}
	$id = (int) $id;
	switch ( $action ) {
		case 'status_changed':
			$status = moderator_akismet_bridge_wp_status( isset( $event['to'] ) ? (string) $event['to'] : '' );
			if ( '' === $status || moderator_akismet_bridge_status( $comment->comment_approved ) === moderator_akismet_bridge_status( $status ) ) {
				return false;
			}
			return (bool) wp_set_comment_status( $id, $status );
		case 'replied':
			return moderator_akismet_bridge_post_reply( $comment, $details );
		case 'reply_withdrawn':
			foreach ( moderator_akismet_bridge_replies( $id, isset( $details['reply_id'] ) ? (string) $details['reply_id'] : '' ) as $reply ) {
				wp_set_comment_status( (int) $reply->comment_ID, 'trash' );
			}
			return true;
		case 'deleted':
			return (bool) wp_delete_comment( $id, true );
		case 'flagged_urgent':
			$flags = isset( $details['red_flags'] ) && is_array( $details['red_flags'] ) ? array_filter( $details['red_flags'], 'is_string' ) : array();
			if ( ! get_comment_meta( $id, 'moderator_urgent', true ) ) {
				update_comment_meta( $id, 'moderator_urgent', $flags ? 'Red flag: ' . implode( ', ', $flags ) . '.' : 'A reader may need help urgently.' );
			}
			if ( '1' === (string) $comment->comment_approved ) {
				wp_set_comment_status( $id, 'hold' );
			}
			return true;
		case 'reply_state_changed':
			update_comment_meta( $id, 'moderator_reply_state', sanitize_key( isset( $event['to'] ) ? (string) $event['to'] : '' ) );
			return true;
	}
	return false;
}

/**
 * Return the WordPress comments a reply written in moderator became.
 *
 * @param int    $parent   The comment replied to.
 * @param string $reply_id moderator's id of the reply.
 * @return WP_Comment[]
 */
function moderator_akismet_bridge_replies( $parent, $reply_id ) {
	if ( '' === $reply_id ) {
		return array();
	}
	return get_comments(
		array(
			'parent'     => $parent,
			'status'     => 'all',
			'meta_key'   => 'moderator_reply_id', // phpcs:ignore WordPress.DB.SlowDBQuery
			'meta_value' => $reply_id,            // phpcs:ignore WordPress.DB.SlowDBQuery
		)
	);
}

/**
 * Post the author's reply written in moderator under the comment, once.
 *
 * @param WP_Comment $comment The comment replied to.
 * @param array      $details The event's details: reply_id, author, content.
 * @return bool
 */
function moderator_akismet_bridge_post_reply( $comment, $details ) {
	$content  = isset( $details['content'] ) ? trim( (string) $details['content'] ) : '';
	$reply_id = isset( $details['reply_id'] ) ? (string) $details['reply_id'] : '';
	if ( '' === $content || moderator_akismet_bridge_replies( (int) $comment->comment_ID, $reply_id ) ) {
		return false;
	}
	$user = moderator_akismet_bridge_reply_user();
	$name = isset( $details['author'] ) ? (string) $details['author'] : '';
	$id   = wp_insert_comment(
		array(
			'comment_post_ID'      => (int) $comment->comment_post_ID,
			'comment_parent'       => (int) $comment->comment_ID,
			// Written by the blog's own moderator, but text all the same: only the tags a comment may use.
			'comment_content'      => wp_kses_data( $content ),
			'comment_author'       => $user ? $user->display_name : sanitize_text_field( $name ),
			'comment_author_email' => $user ? $user->user_email : '',
			'comment_author_url'   => $user ? $user->user_url : '',
			'user_id'              => $user ? (int) $user->ID : 0,
			'comment_approved'     => 1,
		)
	);
	if ( ! $id ) {
		return false;
	}
	update_comment_meta( $id, 'moderator_reply_id', $reply_id );
	return true;
}

/**
 * Read moderator's events feed from the saved cursor and apply each event, in order.
 *
 * @param int $pages The most pages of 100 events to read now.
 * @return int|WP_Error How many events were read, or the error that stopped the read.
 */
function moderator_akismet_bridge_pull( $pages = 5 ) {
	$read = 0;
	for ( $page = 0; $page < $pages; $page++ ) {
		$after    = (string) get_option( MODERATOR_AKISMET_BRIDGE_CURSOR, '0' );
		$response = moderator_akismet_bridge_api( 'GET', '/events?limit=100&after=' . rawurlencode( $after ) );
		if ( is_wp_error( $response ) ) {
			return $response;
		}
		$code = (int) wp_remote_retrieve_response_code( $response );
		$body = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( 200 !== $code || ! is_array( $body ) || ! isset( $body['events'] ) || ! is_array( $body['events'] ) ) {
			return new WP_Error( 'moderator_feed', 'moderator answered the events feed with HTTP ' . $code );
		}
		$GLOBALS['moderator_akismet_bridge_applying'] = true;
		try {
			foreach ( $body['events'] as $event ) {
				if ( is_array( $event ) ) {
					moderator_akismet_bridge_apply( $event );
					$read++;
					if ( isset( $event['id'] ) ) {
						update_option( MODERATOR_AKISMET_BRIDGE_CURSOR, (string) $event['id'], false );
					}
				}
			}
		} finally {
			$GLOBALS['moderator_akismet_bridge_applying'] = false;
		}
		if ( count( $body['events'] ) < 100 ) {
			break;
		}
	}
	return $read;
}

/**
 * The WP-cron job: send what waits in the queue, then apply moderator's decisions.
 */
function moderator_akismet_bridge_sync() {
	if ( ! moderator_akismet_bridge_enabled() ) {
		return;
	}
	moderator_akismet_bridge_flush();
	$pulled = moderator_akismet_bridge_pull();
	if ( is_wp_error( $pulled ) ) {
		error_log( 'moderator bridge: ' . $pulled->get_error_message() );
	}
}
add_action( MODERATOR_AKISMET_BRIDGE_CRON, 'moderator_akismet_bridge_sync' );

/**
 * Add WP-cron's one-minute schedule.
 *
 * @param array $schedules The schedules.
 * @return array
 */
function moderator_akismet_bridge_schedules( $schedules ) {
	$schedules['moderator_minute'] = array(
		'interval' => 60,
		'display'  => 'Every minute (moderator bridge)',
	);
	return $schedules;
}
add_filter( 'cron_schedules', 'moderator_akismet_bridge_schedules' );

/**
 * Schedule the sync job once the bridge is configured (a must-use plugin has no activation).
 */
function moderator_akismet_bridge_schedule() {
	if ( moderator_akismet_bridge_enabled() && ! wp_next_scheduled( MODERATOR_AKISMET_BRIDGE_CRON ) ) {
		wp_schedule_event( time() + 60, 'moderator_minute', MODERATOR_AKISMET_BRIDGE_CRON );
	}
}
add_action( 'init', 'moderator_akismet_bridge_schedule' );

// -- signed webhooks: moderator says "something changed", the bridge reads the feed now ------

/**
 * Return the webhook secret moderator signs with, or '' when webhooks are off.
 *
 * @return string
 */
function moderator_akismet_bridge_webhook_secret() {
	$secret = defined( 'MODERATOR_WEBHOOK_SECRET' ) ? (string) MODERATOR_WEBHOOK_SECRET : '';
	return (string) apply_filters( 'moderator_webhook_secret', $secret );
}

/**
 * Check a webhook's signature and age; return '' when good, else why not.
 *
 * @param string $secret    The shared secret.
 * @param string $timestamp Moderator-Webhook-Timestamp.
 * @param string $signature Moderator-Webhook-Signature (`v1=<hex>`, possibly several, comma-separated).
 * @param string $body      The raw body.
 * @param int    $now       The current time.
 * @return string
 */
function moderator_akismet_bridge_webhook_problem( $secret, $timestamp, $signature, $body, $now ) {
	if ( '' === $secret ) {
		return 'webhooks are not configured';
	}
	if ( ! ctype_digit( $timestamp ) || abs( $now - (int) $timestamp ) > 300 ) {
		return 'timestamp missing or more than 300 s away';
	}
	$expected = hash_hmac( 'sha256', $timestamp . '.' . $body, $secret );
	foreach ( explode( ',', $signature ) as $candidate ) {
		$candidate = trim( $candidate );
		if ( 0 === strpos( $candidate, 'v1=' ) && hash_equals( $expected, substr( $candidate, 3 ) ) ) {
			return '';
		}
	}
	return 'bad signature';
}

/**
 * Answer a webhook from moderator: verify it, drop repeats, then read the feed.
 *
 * @param WP_REST_Request $request The request.
 * @return WP_REST_Response|WP_Error
 */
function moderator_akismet_bridge_webhook( $request ) {
	$problem = moderator_akismet_bridge_webhook_problem(
		moderator_akismet_bridge_webhook_secret(),
		(string) $request->get_header( 'moderator_webhook_timestamp' ),
		(string) $request->get_header( 'moderator_webhook_signature' ),
		(string) $request->get_body(),
		time()
	);
	if ( '' !== $problem ) {
		return new WP_Error( 'moderator_webhook', $problem, array( 'status' => 401 ) );
	}
	$id   = (string) $request->get_header( 'moderator_webhook_id' );
	$seen = 'moderator_webhook_' . md5( $id );
	if ( '' !== $id && get_transient( $seen ) ) {
		return new WP_REST_Response( array( 'duplicate' => true ), 200 );
	}
	if ( '' !== $id ) {
		set_transient( $seen, 1, DAY_IN_SECONDS );
	}
	// The feed is the one source of truth: the webhook only says "read it now".
	moderator_akismet_bridge_flush();
	$pulled = moderator_akismet_bridge_pull();
	return new WP_REST_Response( array( 'applied' => is_wp_error( $pulled ) ? 0 : $pulled ), 200 );
}

/**
 * Register the webhook route when a secret is configured.
 */
function moderator_akismet_bridge_routes() {
	if ( '' === moderator_akismet_bridge_webhook_secret() || ! moderator_akismet_bridge_enabled() ) {
		return;
	}
	register_rest_route(
		'moderator/v1',
		'/webhook',
		array(
			'methods'             => 'POST',
			'callback'            => 'moderator_akismet_bridge_webhook',
			'permission_callback' => '__return_true', // The signature is the permission.
		)
	);
}
add_action( 'rest_api_init', 'moderator_akismet_bridge_routes' );

// -- urgent comments in wp-admin and in the moderation e-mail -------------------------------

/**
 * Return why a comment is urgent, or '' when it is not.
 *
 * @param int $id The comment's ID.
 * @return string
 */
function moderator_akismet_bridge_urgent( $id ) {
	return (string) get_comment_meta( (int) $id, 'moderator_urgent', true );
}

/**
 * Add the "moderator" column to Comments.
 *
 * @param array $columns The columns.
 * @return array
 */
function moderator_akismet_bridge_columns( $columns ) {
	$columns['moderator'] = 'moderator';
	return $columns;
}
add_filter( 'manage_edit-comments_columns', 'moderator_akismet_bridge_columns' );

/**
 * Fill the "moderator" column: the urgent flag and its reason.
 *
 * @param string $column The column.
 * @param int    $id     The comment's ID.
 */
function moderator_akismet_bridge_column( $column, $id ) {
	if ( 'moderator' !== $column ) {
		return;
	}
	$reason = moderator_akismet_bridge_urgent( $id );
	if ( '' !== $reason ) {
		echo '<strong class="moderator-urgent" style="color:#b32d2e">' . esc_html__( 'Urgent', 'moderator' ) . '</strong><br>' . esc_html( $reason );
	}
}
add_action( 'manage_comments_custom_column', 'moderator_akismet_bridge_column', 10, 2 );

/**
 * Return how many urgent comments wait in Pending.
 *
 * @return int
 */
function moderator_akismet_bridge_urgent_waiting() {
	return (int) get_comments(
		array(
			'status'   => 'hold',
			'count'    => true,
			'meta_key' => 'moderator_urgent', // phpcs:ignore WordPress.DB.SlowDBQuery
		)
	);
}

/**
 * Tell moderators in wp-admin that urgent comments wait in Pending.
 */
function moderator_akismet_bridge_notice() {
	if ( ! current_user_can( 'moderate_comments' ) || ! moderator_akismet_bridge_enabled() ) {
		return;
	}
	$count = moderator_akismet_bridge_urgent_waiting();
	if ( $count < 1 ) {
		return;
	}
	$url = admin_url( 'edit-comments.php?comment_status=moderate' );
	printf(
		'<div class="notice notice-error moderator-urgent-notice"><p><strong>%s</strong> <a href="%s">%s</a></p></div>',
		esc_html( sprintf( _n( '%d urgent comment waits in Pending: a reader may need help now.', '%d urgent comments wait in Pending: readers may need help now.', $count, 'moderator' ), $count ) ),
		esc_url( $url ),
		esc_html__( 'Review them', 'moderator' )
	);
}
add_action( 'admin_notices', 'moderator_akismet_bridge_notice' );

/**
 * Send the moderation e-mail for an urgent comment even where those e-mails are off.
 *
 * @param bool $notify     Whether WordPress would send it.
 * @param int  $comment_id The comment's ID.
 * @return bool
 */
function moderator_akismet_bridge_notify( $notify, $comment_id ) {
	return $notify || '' !== moderator_akismet_bridge_urgent( $comment_id );
}
add_filter( 'notify_moderator', 'moderator_akismet_bridge_notify', 10, 2 );

/**
 * Put the urgent reason first in the moderation e-mail's subject.
 *
 * @param string $subject    The subject.
 * @param int    $comment_id The comment's ID.
 * @return string
 */
function moderator_akismet_bridge_mail_subject( $subject, $comment_id ) {
	$reason = moderator_akismet_bridge_urgent( $comment_id );
	return '' === $reason ? $subject : '[URGENT] ' . $reason . ' ' . $subject;
}
add_filter( 'comment_moderation_subject', 'moderator_akismet_bridge_mail_subject', 10, 2 );

/**
 * Put the urgent reason first in the moderation e-mail's text.
 *
 * @param string $text       The text.
 * @param int    $comment_id The comment's ID.
 * @return string
 */
function moderator_akismet_bridge_mail_text( $text, $comment_id ) {
	$reason = moderator_akismet_bridge_urgent( $comment_id );
	if ( '' === $reason ) {
		return $text;
	}
	return "URGENT: a reader may need help now. moderator flagged this comment:\r\n" . $reason . "\r\nIt is held in Pending until you look at it.\r\n\r\n" . $text;
}
add_filter( 'comment_moderation_text', 'moderator_akismet_bridge_mail_text', 10, 2 );
