<?php
/**
 * Checks moderator-akismet-bridge.php against stand-ins for the WordPress functions it uses.
 *
 * Run: php integrations/wordpress/tests/test-bridge.php   (exit status 0 when every check passes)
 * It lives in a subfolder because WordPress loads every top-level file of mu-plugins/.
 */

if ( defined( 'ABSPATH' ) ) {
	return; // Loaded by WordPress by mistake: these stand-ins would clash with the real ones.
}

define( 'ABSPATH', __DIR__ . '/' );
define( 'MODERATOR_AKISMET_URL', 'https://moderator.example.com/' );
define( 'MODERATOR_AKISMET_KEY', 'mod0123456789abcdef0123456789abcdef01234567' );

$filters = array();
$sent    = array();

function add_filter( $hook, $callback, $priority = 10, $accepted_args = 1 ) {
	$GLOBALS['filters'][ $hook ][] = array( $callback, $accepted_args );
	return true;
}

function apply_filters( $hook, $value, ...$args ) {
	foreach ( isset( $GLOBALS['filters'][ $hook ] ) ? $GLOBALS['filters'][ $hook ] : array() as $filter ) {
		$value = call_user_func_array( $filter[0], array_slice( array_merge( array( $value ), $args ), 0, $filter[1] ) );
	}
	return $value;
}

function wp_parse_url( $url, $component = -1 ) {
	return parse_url( $url, $component );
}

function untrailingslashit( $value ) {
	return rtrim( $value, '/\\' );
}

// Answers wp_remote_request gives, in order (then `false` bodies): arrays or WP_Error.
$answers = array();

function wp_remote_request( $url, $args ) {
	$GLOBALS['sent'][] = array( $url, $args );
	if ( $GLOBALS['answers'] ) {
		return array_shift( $GLOBALS['answers'] );
	}
	return array( 'body' => 'false', 'headers' => array(), 'response' => array( 'code' => 200 ) );
}

function add_action( $hook, $callback, $priority = 10, $accepted_args = 1 ) {
	return add_filter( $hook, $callback, $priority, $accepted_args );
}

function do_action( $hook, ...$args ) {
	apply_filters( $hook, ...( $args ? $args : array( null ) ) );
}

class WP_Error {
	public $message;
	public function __construct( $code = '', $message = '', $data = null ) {
		$this->message = $message;
	}
	public function get_error_message() {
		return $this->message;
	}
}

function is_wp_error( $thing ) {
	return $thing instanceof WP_Error;
}

function wp_remote_retrieve_header( $response, $name ) {
	$headers = isset( $response['headers'] ) ? array_change_key_case( $response['headers'] ) : array();
	return isset( $headers[ strtolower( $name ) ] ) ? $headers[ strtolower( $name ) ] : '';
}

function wp_remote_retrieve_response_code( $response ) {
	return isset( $response['response']['code'] ) ? $response['response']['code'] : '';
}

function wp_remote_retrieve_body( $response ) {
	return isset( $response['body'] ) ? $response['body'] : '';
}

function wp_json_encode( $data ) {
	return json_encode( $data );
}

$options = array();

function get_option( $name, $default = false ) {
	return array_key_exists( $name, $GLOBALS['options'] ) ? $GLOBALS['options'][ $name ] : $default;
}

function update_option( $name, $value, $autoload = null ) {
	$GLOBALS['options'][ $name ] = $value;
	return true;
}

$meta     = array();
$comments = array();
$moves    = array();

function get_comment_meta( $id, $key, $single = false ) {
	return isset( $GLOBALS['meta'][ $id ][ $key ] ) ? $GLOBALS['meta'][ $id ][ $key ] : '';
}

function update_comment_meta( $id, $key, $value ) {
	$GLOBALS['meta'][ $id ][ $key ] = $value;
	return true;
}

function get_comment( $id ) {
	return isset( $GLOBALS['comments'][ $id ] ) ? $GLOBALS['comments'][ $id ] : null;
}

// As WordPress does: move the comment, then announce the transition.
function wp_set_comment_status( $id, $status ) {
	$comment = $GLOBALS['comments'][ $id ];
	$names   = array( 'approve' => 'approved', 'hold' => 'unapproved', 'spam' => 'spam', 'trash' => 'trash' );
	$old     = array( '1' => 'approved', '0' => 'unapproved' )[ $comment->comment_approved ] ?? $comment->comment_approved;
	$comment->comment_approved = array( 'approve' => '1', 'hold' => '0' )[ $status ] ?? $status;
	$GLOBALS['moves'][] = array( $id, $status );
	do_action( 'transition_comment_status', $names[ $status ], $old, $comment );
	return true;
}

function get_comments( $args ) {
	$found = array();
	foreach ( $GLOBALS['comments'] as $id => $comment ) {
		if ( isset( $args['parent'] ) && (int) $comment->comment_parent !== (int) $args['parent'] ) {
			continue;
		}
		if ( isset( $args['meta_key'] ) && get_comment_meta( $id, $args['meta_key'], true ) !== ( isset( $args['meta_value'] ) ? $args['meta_value'] : get_comment_meta( $id, $args['meta_key'], true ) ) ) {
			continue;
		}
		$found[] = $comment;
	}
	return $found;
}

function wp_insert_comment( $data ) {
	$id                          = max( array_keys( $GLOBALS['comments'] ) ) + 1;
	$comment                     = (object) array_merge( array( 'comment_parent' => 0 ), $data );
	$comment->comment_ID         = $id;
	$comment->comment_approved   = (string) $data['comment_approved'];
	$GLOBALS['comments'][ $id ] = $comment;
	do_action( 'wp_insert_comment', $id, $comment );
	return $id;
}

function get_user_by( $field, $value ) {
	return (object) array( 'ID' => 1, 'display_name' => 'Blog Author', 'user_email' => $value, 'user_url' => '' );
}

function wp_kses_data( $text ) {
	return strip_tags( $text, '<a><em><strong>' );
}

function sanitize_text_field( $text ) {
	return trim( strip_tags( $text ) );
}

function sanitize_key( $key ) {
	return preg_replace( '/[^a-z0-9_\-]/', '', strtolower( $key ) );
}

function esc_html( $text ) {
	return htmlspecialchars( $text, ENT_QUOTES );
}

function esc_html__( $text, $domain = '' ) {
	return esc_html( $text );
}

function answer( $code, $body = '', $headers = array() ) {
	return array( 'body' => $body, 'headers' => $headers, 'response' => array( 'code' => $code ) );
}

require dirname( __DIR__ ) . '/moderator-akismet-bridge.php';

$failures = 0;

function check( $label, $actual, $expected ) {
	if ( $actual !== $expected ) {
		$GLOBALS['failures']++;
		fwrite( STDERR, "FAIL $label\n  expected: " . var_export( $expected, true ) . "\n  actual:   " . var_export( $actual, true ) . "\n" );
	} else {
		echo "ok   $label\n";
	}
}

function last_sent() {
	return end( $GLOBALS['sent'] );
}

$key      = MODERATOR_AKISMET_KEY;
$stand_in = substr( $key, 0, 12 );

check( 'Akismet is handed a 12-character stand-in', apply_filters( 'akismet_get_api_key', 'abcdefabcdef' ), $stand_in );
check( 'the key counts as predefined', apply_filters( 'akismet_predefined_api_key', false ), true );

// Akismet 5.x: key in the body, Host header naming rest.akismet.com.
$args = array(
	'body'    => "blog=https%3A%2F%2Fblog.example&user_ip=1.2.3.4&comment_content=Hi&api_key=$stand_in",
	'headers' => array( 'Host' => 'rest.akismet.com', 'User-Agent' => 'WordPress/6.5 | Akismet/5.3' ),
);
apply_filters( 'pre_http_request', false, $args, 'https://rest.akismet.com/1.1/comment-check' );
list( $url, $forwarded ) = last_sent();
check( 'comment-check goes to moderator', $url, 'https://moderator.example.com/1.1/comment-check' );
check( 'the real key replaces the stand-in', $forwarded['body'], "blog=https%3A%2F%2Fblog.example&user_ip=1.2.3.4&comment_content=Hi&api_key=$key" );
check( 'the Host header naming Akismet is dropped', $forwarded['headers'], array( 'User-Agent' => 'WordPress/6.5 | Akismet/5.3' ) );

// Legacy: key in the host name, not in the body.
apply_filters( 'pre_http_request', false, array( 'body' => 'blog=x&user_ip=1' ), "http://$stand_in.rest.akismet.com/1.1/comment-check" );
list( $url, $forwarded ) = last_sent();
check( 'the legacy key-in-host form is caught', $url, 'https://moderator.example.com/1.1/comment-check' );
check( 'its key moves into the body', $forwarded['body'], "blog=x&user_ip=1&api_key=$key" );

// verify-key sends `key`.
apply_filters( 'pre_http_request', false, array( 'body' => "key=$stand_in&blog=https%3A%2F%2Fblog.example" ), 'https://rest.akismet.com/1.1/verify-key' );
list( , $forwarded ) = last_sent();
check( 'verify-key gets the real key', $forwarded['body'], "key=$key&blog=https%3A%2F%2Fblog.example" );

// The connectivity check dials an IP address with a Host header.
apply_filters( 'pre_http_request', false, array( 'body' => 'key=x', 'headers' => array( 'host' => 'rest.akismet.com' ) ), 'http://192.0.2.10/1.1/verify-key' );
list( $url ) = last_sent();
check( 'a request by IP with an Akismet Host header is caught', $url, 'https://moderator.example.com/1.1/verify-key' );

// A GET without a body carries the key in its query.
apply_filters( 'pre_http_request', false, array( 'method' => 'GET' ), 'https://rest.akismet.com/1.2/usage-limit?extended=1' );
list( $url ) = last_sent();
check( 'usage-limit carries the key in its query', $url, "https://moderator.example.com/1.2/usage-limit?extended=1&api_key=$key" );

// An array body.
apply_filters( 'pre_http_request', false, array( 'body' => array( 'blog' => 'x' ) ), 'https://rest.akismet.com/1.1/submit-ham' );
list( , $forwarded ) = last_sent();
check( 'an array body gets the key', $forwarded['body'], array( 'blog' => 'x', 'api_key' => $key ) );

// Everything else is left alone.
$before = count( $sent );
check( 'other hosts pass through', apply_filters( 'pre_http_request', false, array(), 'https://api.wordpress.org/core/version-check/1.7/' ), false );
check( 'a look-alike host passes through', apply_filters( 'pre_http_request', false, array(), 'https://rest.akismet.com.evil.example/1.1/comment-check' ), false );
check( 'an answer another filter gave is kept', apply_filters( 'pre_http_request', array( 'body' => 'x' ), array(), 'https://rest.akismet.com/1.1/comment-check' ), array( 'body' => 'x' ) );
check( 'nothing was sent for them', count( $sent ), $before );

// -- both sides in step ---------------------------------------------------------------

$comments[7] = (object) array( 'comment_ID' => 7, 'comment_post_ID' => 3, 'comment_parent' => 0, 'comment_approved' => '1' );

// moderator's check of a new comment: urgent, and the guid to remember.
$answers[] = answer( 200, 'false', array( 'X-akismet-guid' => 'g-7', 'X-moderator-status' => 'approved', 'X-moderator-urgent' => 'true', 'X-moderator-urgent-reason' => 'Red flag: chest pain. <b>Call</b> 999' ) );
apply_filters( 'pre_http_request', false, array( 'body' => 'blog=x&comment_content=pain' ), 'https://rest.akismet.com/1.1/comment-check' );
check( 'an urgent comment is held where WordPress would publish it', apply_filters( 'pre_comment_approved', 1 ), 0 );
check( 'spam stays spam', apply_filters( 'pre_comment_approved', 'spam' ), 'spam' );
$comments[7]->comment_approved = '0';
$before = count( $sent );
do_action( 'wp_insert_comment', 7, $comments[7] );
check( 'the guid is kept with the comment', get_comment_meta( 7, 'moderator_guid', true ), 'g-7' );
check( 'the urgent reason is kept with the comment', get_comment_meta( 7, 'moderator_urgent', true ), 'Red flag: chest pain. <b>Call</b> 999' );
list( $url, $forwarded ) = last_sent();
check( 'the saved comment is reported to moderator', $url, 'https://moderator.example.com/api/v1/wordpress/changes' );
check( 'with the site key', $forwarded['headers']['Authorization'], "Bearer $key" );
check( 'naming its ID, its guid and where WordPress put it', json_decode( $forwarded['body'], true ), array( 'external_id' => '7', 'guid' => 'g-7', 'status' => 'pending' ) );
check( 'the check is forgotten once used', apply_filters( 'pre_comment_approved', 1 ), 1 );

// A held comment stays held; an approved, not urgent one is published.
$answers[] = answer( 200, 'false', array( 'X-akismet-guid' => 'g-8', 'X-moderator-status' => 'pending', 'X-akismet-error' => 'held-for-review' ) );
apply_filters( 'pre_http_request', false, array( 'body' => 'blog=x' ), 'https://rest.akismet.com/1.1/comment-check' );
check( 'a comment moderator holds stays pending', apply_filters( 'pre_comment_approved', 1 ), 0 );
$answers[] = answer( 200, 'false', array( 'X-akismet-guid' => 'g-9', 'X-moderator-status' => 'approved' ) );
apply_filters( 'pre_http_request', false, array( 'body' => 'blog=x' ), 'https://rest.akismet.com/1.1/comment-check' );
check( 'an approved comment is left to WordPress', apply_filters( 'pre_comment_approved', 1 ), 1 );
unset( $GLOBALS['moderator_akismet_bridge_last_check'] );
$answers[] = answer( 200, 'false', array( 'X-akismet-guid' => 'g-7', 'X-moderator-status' => 'pending' ) );
apply_filters( 'pre_http_request', false, array( 'body' => 'blog=x&recheck_reason=recheck_queue' ), 'https://rest.akismet.com/1.1/comment-check' );
check( 'a recheck is about no new comment', moderator_akismet_bridge_last_check(), null );

// A click in wp-admin: approve.
wp_set_comment_status( 7, 'approve' );
list( $url, $forwarded ) = last_sent();
check( 'approving is reported', json_decode( $forwarded['body'], true ), array( 'external_id' => '7', 'guid' => 'g-7', 'status' => 'approved', 'actor' => '' ) );
do_action( 'transition_comment_status', 'delete', 'trash', $comments[7] );
list( , $forwarded ) = last_sent();
check( 'deleting for good is reported', json_decode( $forwarded['body'], true )['status'], 'deleted' );
do_action( 'edit_comment', 7, array( 'comment_content' => 'New words' ) );
list( , $forwarded ) = last_sent();
check( 'an edit is reported with its text', json_decode( $forwarded['body'], true )['content'], 'New words' );

// "Spam" clicked in wp-admin: Akismet's submit-spam (through the bridge) labels it, so
// the bridge's own report only moves it.
$answers[] = answer( 200, 'Thanks for making the web a better place.' );
apply_filters( 'pre_http_request', false, array( 'body' => 'comment_ID=7&blog=x&comment_content=New+words' ), 'https://rest.akismet.com/1.1/submit-spam' );
wp_set_comment_status( 7, 'spam' );
list( , $forwarded ) = last_sent();
check( 'a click Akismet already reported is not labelled twice', json_decode( $forwarded['body'], true )['already_reported'], true );
wp_set_comment_status( 7, 'approve' );
list( , $forwarded ) = last_sent();
check( 'only that click', isset( json_decode( $forwarded['body'], true )['already_reported'] ), false );

// moderator down: the report waits, later ones queue behind it, cron sends them in order.
$answers[] = new WP_Error( 'http_request_failed', 'Connection refused' );
wp_set_comment_status( 7, 'spam' );
wp_set_comment_status( 7, 'hold' );
check( 'reports wait in the queue while moderator is down', array_column( get_option( 'moderator_bridge_queue' ), 'status' ), array( 'spam', 'pending' ) );
$answers[] = answer( 503 );
check( 'a 503 keeps them waiting', moderator_akismet_bridge_flush(), 2 );
$before = count( $sent );
$answers = array( answer( 200, '{}' ), answer( 200, '{}' ) );
check( 'the queue empties once moderator answers', moderator_akismet_bridge_flush(), 0 );
check( 'in order', array_map( function ( $s ) { return json_decode( $s[1]['body'], true )['status']; }, array_slice( $sent, $before ) ), array( 'spam', 'pending' ) );
$answers[] = answer( 404, '{"title":"Not Found"}' );
wp_set_comment_status( 7, 'approve' );
check( 'a comment moderator never saw is not retried', get_option( 'moderator_bridge_queue' ), array() );

// The events feed: moderator's review page marked comment 7 spam and replied to it.
$feed = array(
	'events'     => array(
		array( 'id' => '41', 'external_id' => '7', 'action' => 'status_changed', 'from' => 'approved', 'to' => 'spam', 'origin' => 'moderator', 'details' => array() ),
		array( 'id' => '42', 'external_id' => '7', 'action' => 'status_changed', 'from' => 'spam', 'to' => 'approved', 'origin' => 'moderator', 'details' => array() ),
		array( 'id' => '43', 'external_id' => '7', 'action' => 'replied', 'origin' => 'moderator', 'details' => array( 'reply_id' => 5, 'author' => 'ann', 'content' => 'Call 999 now.<script>x()</script>' ) ),
		array( 'id' => '44', 'external_id' => null, 'action' => 'status_changed', 'to' => 'spam', 'details' => array() ),
		array( 'id' => '45', 'external_id' => '7', 'action' => 'replied', 'origin' => 'moderator', 'details' => array( 'reply_id' => 5, 'author' => 'ann', 'content' => 'Call 999 now.' ) ),
	),
	'next_after' => '45',
);
$answers = array( answer( 200, json_encode( $feed ) ) );
$moves   = array();
$before  = count( $sent );
check( 'the feed is read', moderator_akismet_bridge_pull(), 5 );
check( 'from the saved cursor, with the key', array( $sent[ $before ][0], $sent[ $before ][1]['headers']['Authorization'] ), array( 'https://moderator.example.com/api/v1/events?limit=100&after=0', "Bearer $key" ) );
check( "moderator's rulings are applied in WordPress", $moves, array( array( 7, 'spam' ), array( 7, 'approve' ) ) );
check( 'and not reported back (no loop)', count( $sent ), $before + 1 );
check( 'the cursor moves past what was applied', get_option( 'moderator_bridge_events_after' ), '45' );
$replies = get_comments( array( 'parent' => 7 ) );
check( 'the reply is posted under the comment, once', count( $replies ), 1 );
check( 'as the blog, approved, without markup that could run', array( $replies[0]->comment_author, $replies[0]->comment_approved, $replies[0]->comment_content ), array( 'Blog Author', '1', 'Call 999 now.x()' ) );
$answers = array( answer( 500, 'oops' ) );
check( 'a feed that fails is an error, and the cursor stays', array( is_wp_error( moderator_akismet_bridge_pull() ), get_option( 'moderator_bridge_events_after' ) ), array( true, '45' ) );

// An urgent flag from the feed holds an approved comment.
$comments[7]->comment_approved = '1';
$meta[7]['moderator_urgent']   = '';
$answers = array( answer( 200, json_encode( array( 'events' => array( array( 'id' => '46', 'external_id' => '7', 'action' => 'flagged_urgent', 'details' => array( 'red_flags' => array( 'chest pain' ) ) ) ) ) ) ) );
moderator_akismet_bridge_pull();
check( 'an urgent flag from the feed holds the comment', $comments[7]->comment_approved, '0' );
check( 'and keeps the reason', get_comment_meta( 7, 'moderator_urgent', true ), 'Red flag: chest pain.' );

// Urgent in wp-admin and in the moderation e-mail.
$meta[7]['moderator_urgent'] = 'Red flag: chest pain. <b>';
check( 'the e-mail subject starts with the reason', apply_filters( 'comment_moderation_subject', '[Blog] Please moderate: "Hi"', 7 ), '[URGENT] Red flag: chest pain. <b> [Blog] Please moderate: "Hi"' );
check( 'so does its text', strpos( apply_filters( 'comment_moderation_text', 'A new comment', 7 ), "URGENT: a reader may need help now. moderator flagged this comment:\r\nRed flag: chest pain. <b>\r\n" ), 0 );
check( 'it is sent even when moderation e-mails are off', apply_filters( 'notify_moderator', false, 7 ), true );
check( 'other comments keep the usual e-mail', apply_filters( 'comment_moderation_subject', 'S', 8 ), 'S' );
ob_start();
do_action( 'manage_comments_custom_column', 'moderator', 7 );
check( 'the Comments column flags it, escaped', ob_get_clean(), '<strong class="moderator-urgent" style="color:#b32d2e">Urgent</strong><br>Red flag: chest pain. &lt;b&gt;' );

// Signed webhooks (issue 21's contract).
$body = '{"id":"e1","type":"comment.status_changed"}';
$now  = 1800000000;
$sig  = 'v1=' . hash_hmac( 'sha256', "$now.$body", 'sekrit' );
check( 'a well-signed webhook passes', moderator_akismet_bridge_webhook_problem( 'sekrit', (string) $now, $sig, $body, $now + 10 ), '' );
check( 'a wrong signature is refused', moderator_akismet_bridge_webhook_problem( 'sekrit', (string) $now, $sig, $body . ' ', $now ), 'bad signature' );
check( 'an old one is refused', moderator_akismet_bridge_webhook_problem( 'sekrit', (string) $now, $sig, $body, $now + 301 ), 'timestamp missing or more than 300 s away' );
check( 'without a secret none passes', moderator_akismet_bridge_webhook_problem( '', (string) $now, $sig, $body, $now ), 'webhooks are not configured' );

exit( $failures ? 1 : 0 );
