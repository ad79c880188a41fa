import type { RelationshipPolicy } from '@crm/domain';
import { parsePolicy } from '@crm/domain';
import { GenerationInfo, ReadStore, ReadStoreGenerations } from '@crm/read-store';
import { RelationshipProjection } from './relationship.projection';

/**
 * The relationship projection of the generation being served: every method folds and evaluates
 * with that generation's policy, so the query side and the projector follow a blue-green switch
 * with the read store. A caller that must not straddle a switch takes `ServingGeneration.pin()`.
 */
export class ServedProjection extends RelationshipProjection {
  constructor(private readonly resolve: () => RelationshipProjection) {
    super();
  }

  override get policy(): RelationshipPolicy {
    return this.resolve().policy;
  }

  /** The concrete projection served now. */
  get current(): RelationshipProjection {
    return this.resolve();
  }
}

/** One generation's store and projection, taken together. */
export interface PinnedGeneration {
  generation: GenerationInfo;
  readStore: ReadStore;
  projection: RelationshipProjection;
}

/**
 * The generations of the views with the projection of each: a generation folds with the policy it
 * was built with (null: the configured one, POLICY_FILE).
 */
export class ServingGeneration {
  readonly projection: ServedProjection;
  private readonly projections = new Map<number, RelationshipProjection>();

  constructor(
    readonly generations: ReadStoreGenerations,
    private readonly configured: RelationshipProjection,
  ) {
    this.projection = new ServedProjection(() => this.projectionOf(this.generations.active));
  }

  /** The configured projection (POLICY_FILE or the default): what a rebuild builds unless given a policy. */
  get configuredProjection(): RelationshipProjection {
    return this.configured;
  }

  get readStore(): ReadStore {
    return this.generations.readStore;
  }

  projectionOf(generation: GenerationInfo): RelationshipProjection {
    if (generation.policy === null || generation.policy === undefined) return this.configured;
    let projection = this.projections.get(generation.id);
    if (!projection) {
      projection = new RelationshipProjection(parsePolicy(generation.policy));
      this.projections.set(generation.id, projection);
    }
    return projection;
  }

  pin(): PinnedGeneration {
    const { generation, readStore } = this.generations.pin();
    return { generation, readStore, projection: this.projectionOf(generation) };
  }
}
