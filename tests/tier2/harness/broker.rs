//! A Kafka-compatible broker in a container: Apache Kafka in KRaft mode (the
//! public `apache/kafka` image) or tansu (the local image). Both are reached on
//! a fixed host port picked at run time, which is also the advertised
//! listener, so the address survives a stop and start of the container.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientConfig;
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use super::{env_or, free_port, split_image, wait_until, ALL_TOPICS, PARTITIONS};

/// Which broker the image holds; decides its command line and settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Apache Kafka (KRaft, single combined node), configured by `KAFKA_*` variables.
    Apache,
    /// tansu, configured by its command line.
    Tansu,
}

impl Flavor {
    /// `HRMS_TEST_KAFKA_FLAVOR` (`apache` or `tansu`), else guessed from the image name.
    fn detect(image: &str) -> Flavor {
        match std::env::var("HRMS_TEST_KAFKA_FLAVOR").ok().as_deref() {
            Some("tansu") => Flavor::Tansu,
            Some("apache") => Flavor::Apache,
            Some(other) if !other.is_empty() => {
                panic!("HRMS_TEST_KAFKA_FLAVOR must be apache or tansu, not {other:?}")
            }
            _ if image.contains("tansu") || image.starts_with("hrms-test/kafka") => Flavor::Tansu,
            _ => Flavor::Apache,
        }
    }
}

/// A broker: the host port is fixed before the container exists, so a service
/// can be pointed at a broker that is not there yet.
pub struct Broker {
    image: String,
    /// Apache Kafka or tansu.
    pub flavor: Flavor,
    /// Host port, mapped to the container's 9092 and advertised to clients.
    pub port: u16,
    container: Option<ContainerAsync<GenericImage>>,
}

impl Broker {
    /// A broker on a free host port, not started (`HRMS_TEST_KAFKA_IMAGE`,
    /// default `apache/kafka:3.8.0`).
    pub fn reserve() -> Broker {
        let image = env_or("HRMS_TEST_KAFKA_IMAGE", "apache/kafka:3.8.0");
        Broker {
            flavor: Flavor::detect(&image),
            image,
            port: free_port(),
            container: None,
        }
    }

    /// Reserves, starts, and creates the topics.
    pub async fn start_with_topics() -> Broker {
        let mut b = Broker::reserve();
        b.start().await;
        b.create_topics().await;
        b
    }

    fn tansu_storage(&self) -> String {
        env_or("HRMS_TEST_TANSU_STORAGE", "sqlite://tansu.db")
    }

    /// `host:port` for `bootstrap.servers`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Creates and starts the container (first call) or starts it again (after
    /// [`Broker::stop`]), then waits until it answers metadata requests.
    pub async fn start(&mut self) {
        match &self.container {
            Some(c) => c.start().await.expect("start the broker container again"),
            None => {
                let (name, tag) = split_image(&self.image);
                let advertised = self.bootstrap();
                let request = GenericImage::new(name, tag)
                    .with_wait_for(WaitFor::Nothing)
                    .with_label("org.hrms.tier2", "kafka")
                    .with_mapped_port(self.port, 9092.tcp())
                    .with_startup_timeout(Duration::from_secs(180));
                let request = match self.flavor {
                    // Durable storage (an SQLite file in the container's /data),
                    // so a stopped and started broker keeps its topics, records
                    // and idempotent-producer state. With memory:// a restarted
                    // broker answers the relay's producer UNKNOWN_PRODUCER_ID
                    // forever; tansu's postgres:// engine needs a schema its
                    // crate does not ship.
                    Flavor::Tansu => request
                        .with_env_var("RUST_LOG", env_or("HRMS_TEST_BROKER_LOG", "warn"))
                        .with_env_var("RUST_BACKTRACE", "1")
                        .with_cmd([
                            "broker".to_owned(),
                            "--listener-url".to_owned(),
                            "tcp://0.0.0.0:9092".to_owned(),
                            "--advertised-listener-url".to_owned(),
                            format!("tcp://{advertised}"),
                            "--storage-engine".to_owned(),
                            self.tansu_storage(),
                        ]),
                    // As in the image's documented single-node KRaft example; any
                    // KAFKA_ variable replaces the image's default properties, so
                    // all required ones are set. The log dir is inside the
                    // container: it survives stop and start.
                    Flavor::Apache => request
                        // Required by the image's start script in KRaft mode
                        // (a base64 UUID; any fixed one will do).
                        .with_env_var("CLUSTER_ID", "AZOitB4tfD6fQGhybXMyAg")
                        .with_env_var("KAFKA_NODE_ID", "1")
                        .with_env_var("KAFKA_PROCESS_ROLES", "broker,controller")
                        .with_env_var("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093")
                        .with_env_var(
                            "KAFKA_ADVERTISED_LISTENERS",
                            format!("PLAINTEXT://{advertised}"),
                        )
                        .with_env_var("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
                        .with_env_var(
                            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                            "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                        )
                        .with_env_var("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT")
                        .with_env_var("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
                        .with_env_var("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                        .with_env_var("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                        .with_env_var("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                        .with_env_var("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                        .with_env_var("KAFKA_NUM_PARTITIONS", PARTITIONS.to_string())
                        // Like tansu: topics exist only when the suite creates them.
                        .with_env_var("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                        .with_env_var("KAFKA_LOG_DIRS", "/tmp/kraft-combined-logs"),
                };
                let container = request
                    .start()
                    .await
                    .unwrap_or_else(|e| panic!("cannot start the broker from {}: {e}", self.image));
                self.container = Some(container);
            }
        }
        self.wait_ready().await;
    }

    /// Ends the broker process; its data stays for [`Broker::start`].
    /// Apache Kafka gets a graceful `docker stop` (SIGTERM, 10 s, SIGKILL).
    /// tansu is killed (SIGKILL): on SIGTERM tansu 0.6.0 first answers the
    /// in-flight produce requests with UNKNOWN_SERVER_ERROR, and after the
    /// restart its sqlite engine panics on the next request of that idempotent
    /// producer ("more or less than one row" in idempotent_message_check), so
    /// the broker answers nothing any more: a broker defect, not one of ours.
    pub async fn stop(&self) {
        match self.flavor {
            Flavor::Apache => self
                .container()
                .stop_with_timeout(Some(10))
                .await
                .expect("stop the broker"),
            Flavor::Tansu => self.kill().await,
        }
    }

    /// Kills the broker with SIGKILL (a crash: no goodbye to clients); its
    /// data stays. Through the docker CLI: testcontainers has no kill call.
    pub async fn kill(&self) {
        let id = self.container().id().to_owned();
        let status = tokio::task::spawn_blocking(move || {
            std::process::Command::new("docker")
                .args(["kill", "--signal", "KILL", &id])
                .stdout(std::process::Stdio::null())
                .status()
        })
        .await
        .expect("docker kill task")
        .expect("run docker kill");
        assert!(status.success(), "docker kill failed: {status}");
    }

    /// Freezes every process of the container: connections stay open, nothing answers.
    pub async fn pause(&self) {
        self.container().pause().await.expect("pause the broker");
    }

    /// Thaws a paused container.
    pub async fn unpause(&self) {
        self.container()
            .unpause()
            .await
            .expect("unpause the broker");
    }

    /// Writes the container's output to `target/tier2-logs/<scenario>/broker.log`.
    pub async fn save_logs(&self, scenario: &str) {
        let Some(c) = &self.container else { return };
        let mut out = c.stdout_to_vec().await.unwrap_or_default();
        out.extend(c.stderr_to_vec().await.unwrap_or_default());
        let _ = std::fs::write(super::log_dir(scenario).join("broker.log"), out);
    }

    fn container(&self) -> &ContainerAsync<GenericImage> {
        self.container.as_ref().expect("broker started")
    }

    fn admin(&self) -> AdminClient<DefaultClientContext> {
        ClientConfig::new()
            .set("bootstrap.servers", self.bootstrap())
            .set("socket.timeout.ms", "5000")
            .create()
            .expect("admin client")
    }

    /// Waits until the broker answers a metadata request with itself in it.
    async fn wait_ready(&self) {
        let bootstrap = self.bootstrap();
        wait_until(Duration::from_secs(120), Duration::from_millis(500), || {
            let bootstrap = bootstrap.clone();
            async move {
                let answered = tokio::task::spawn_blocking(move || {
                    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
                        .set("bootstrap.servers", &bootstrap)
                        .create()
                        .ok()?;
                    let md = admin
                        .inner()
                        .fetch_metadata(None, Duration::from_secs(2))
                        .ok()?;
                    (!md.brokers().is_empty()).then_some(())
                })
                .await
                .ok()
                .flatten();
                answered
            }
        })
        .await
        .unwrap_or_else(|| panic!("broker {} did not answer within 120 s", self.image));
    }

    /// Creates every topic the service may use (3 partitions each), then waits
    /// until the metadata shows them with their partitions.
    pub async fn create_topics(&self) {
        let admin = self.admin();
        let topics: Vec<NewTopic<'_>> = ALL_TOPICS
            .iter()
            .map(|t| NewTopic::new(t, PARTITIONS, TopicReplication::Fixed(1)))
            .collect();
        let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
        let results = admin
            .create_topics(topics.iter(), &opts)
            .await
            .expect("CreateTopics request");
        for r in results {
            match r {
                Ok(_) => {}
                Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((t, e)) => panic!("cannot create topic {t}: {e}"),
            }
        }
        let bootstrap = self.bootstrap();
        wait_until(Duration::from_secs(60), Duration::from_millis(300), || {
            let bootstrap = bootstrap.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
                        .set("bootstrap.servers", &bootstrap)
                        .create()
                        .ok()?;
                    let md = admin
                        .inner()
                        .fetch_metadata(None, Duration::from_secs(2))
                        .ok()?;
                    let complete = ALL_TOPICS.iter().all(|t| {
                        md.topics().iter().any(|mt| {
                            mt.name() == *t
                                && mt.error().is_none()
                                && mt.partitions().len() == PARTITIONS as usize
                                && mt.partitions().iter().all(|p| p.leader() >= 0)
                        })
                    });
                    complete.then_some(())
                })
                .await
                .ok()
                .flatten()
            }
        })
        .await
        .expect("topics visible in the metadata within 60 s");
    }
}
