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

function wp_remote_request( $url, $args ) {
	$GLOBALS['sent'][] = array( $url, $args );
	return array( 'body' => 'false' );
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

exit( $failures ? 1 : 0 );
