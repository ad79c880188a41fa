/** customerId becomes the stream id `customer-<id>`, so it is limited to stream-safe characters. */
export const CUSTOMER_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
export const CUSTOMER_ID_MAX_LENGTH = 128;
export const CUSTOMER_ID_PATTERN_MESSAGE = 'may contain only letters, digits and . _ : -';
