import type { AppConfig } from '@crm/config';
import { TOPICS, TopicNames } from '@crm/messaging';

/** Injection token of the platform's topic names (prefixed by KAFKA_TOPIC_PREFIX). */
export const TOPIC_NAMES = 'TOPICS';

export type { TopicNames };

export function topicNames(config: Pick<AppConfig, 'KAFKA_TOPIC_PREFIX'>): TopicNames {
  return Object.fromEntries(Object.entries(TOPICS).map(([k, v]) => [k, `${config.KAFKA_TOPIC_PREFIX}${v}`])) as TopicNames;
}
