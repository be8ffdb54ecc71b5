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

	return wp_remote_request( $target, $args );
}
add_filter( 'pre_http_request', 'moderator_akismet_bridge_request', 10, 3 );
